/**
 * Our engine against PyTorch on the same models, CPU and threads, measured in the same run and
 * in turn (PyTorch stays running beside us; a round of each, RUNS rounds, row.ts): LLM greedy
 * tokens/s (a ~100M-parameter Qwen2 exported by the project's exporter, against transformers'
 * generate) and seconds per guided UNet step (SD 1.5's block structure at half width, against
 * diffusers' UNet2DConditionModel). Ratios above 1 mean we are faster.
 * Needs the export venv (`./dev setup-export`); without it the bench says so and skips.
 *
 *   pnpm bench --only torch
 *   (BENCH_THREADS=2 BENCH_TOKENS=32 BENCH_RUNS=5; BENCH_PROVIDER=cuda: both on the GPU where
 *   torch has CUDA)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import {
  emitRow,
  emitSkip,
  interleaved,
  interleavedAll,
  medianOf,
} from '../../../scripts/bench/row';
import { UnetModel } from '../src/diffusion/unetModel';
import { ChatTokenizer } from '../src/llm/chatTokenizer';
import { DecoderModel } from '../src/llm/decoderModel';
import { LlmEngine } from '../src/llm/llmEngine';
import { createRng } from '../src/random/xoshiro128';
import * as ort from '../src/runtime/ort';
import { startPythonReference } from './pythonReference';

const here = dirname(fileURLToPath(import.meta.url));
const python =
  process.env.SUBNET_EXPORT_PYTHON ?? join(here, '../../..', '.venv-export/bin/python');
const THREADS = Number(process.env.BENCH_THREADS ?? cpus().length);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 32);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** A pause before each timed run, so neither side's idle worker threads are still spinning. */
const SETTLE_MS = 50;
const PROVIDER = process.env.BENCH_PROVIDER ?? 'cpu';

interface Reference {
  torch: string;
  device: string;
  llm: { dir: string; params: number; promptIds: number[]; tokens: number };
  unet: { dir: string; params: number; latent: number[]; context: number[] };
}

function torchAvailable(): boolean {
  if (!existsSync(python)) return false;
  return spawnSync(python, ['-c', 'import torch, diffusers, optimum.exporters.onnx']).status === 0;
}

if (!torchAvailable()) {
  emitSkip(`${python} cannot import torch/diffusers/optimum (create it with ./dev setup-export)`);
  process.exit(0);
}

/** Seconds `fn` takes, after the settling pause. */
async function seconds(fn: () => Promise<unknown>): Promise<number> {
  await sleep(SETTLE_MS);
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

const dir = await mkdtemp(join(tmpdir(), 'bench-torch-'));
try {
  console.log(`building and exporting the models for PyTorch and us (${THREADS} threads)...`);
  const torch = await startPythonReference<Reference>(python, [
    join(here, 'torch_reference.py'),
    '--out',
    dir,
    '--threads',
    String(THREADS),
    '--tokens',
    String(TOKENS),
    '--device',
    PROVIDER === 'cuda' ? 'cuda' : 'cpu',
  ]);
  try {
    await compare(torch.ready, async (what) => {
      await sleep(SETTLE_MS);
      return (await torch.ask<{ seconds: number }>(what)).seconds;
    });
  } finally {
    await torch.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

async function compare(
  ref: Reference,
  torchSeconds: (what: 'llm' | 'unet') => Promise<number>,
): Promise<void> {
  const sessionOptions = {
    executionProviders: [PROVIDER],
    intraOpNumThreads: THREADS,
  };
  const reference = `PyTorch ${ref.torch} (${ref.device})`;
  const cores = PROVIDER === 'cuda' ? undefined : THREADS;

  // LLM: the export as written, greedy from the same prompt ids, every token generated.
  const llmSession = await ort.InferenceSession.create(
    join(ref.llm.dir, 'model.onnx'),
    sessionOptions,
  );
  const tokenizer = await ChatTokenizer.fromDirectory(ref.llm.dir);
  const quiet = pino({ level: 'silent' });
  const produced = { exact: 0, fast: 0 };
  const decode = (decodeMode: 'exact' | 'fast') => {
    const engine = new LlmEngine({
      model: new DecoderModel(llmSession),
      tokenizer,
      maxContext: 1024,
      decodeMode,
      logger: quiet,
    });
    return async () => {
      let n = 0;
      const s = await seconds(async () => {
        const r = await engine.complete({
          promptTokenIds: ref.llm.promptIds,
          maxTokens: ref.llm.tokens,
          temperature: 0,
        });
        n = r.tokenIds.length;
      });
      produced[decodeMode] = n;
      return n / s;
    };
  };
  const llm = await interleavedAll(RUNS, {
    exact: decode('exact'),
    fast: decode('fast'),
    torch: async () => ref.llm.tokens / (await torchSeconds('llm')),
  });
  await llmSession.release();
  const model = `${(ref.llm.params / 1e6).toFixed(0)}M Qwen2`;
  /** name, ours, PyTorch, speed-up: the human table printed at the end. */
  const lines: [string, string, string, string][] = [];
  for (const mode of ['exact', 'fast'] as const) {
    const stopped =
      produced[mode] === ref.llm.tokens ? undefined : `Ours stopped at ${produced[mode]} tokens.`;
    const [ours, theirs] = [medianOf(llm[mode]), medianOf(llm.torch)];
    lines.push([
      `LLM tokens/s (${model}, ${mode})`,
      ours.toFixed(1),
      theirs.toFixed(1),
      `${(ours / theirs).toFixed(2)}x${stopped ? ` (${stopped})` : ''}`,
    ]);
    emitRow({
      group: 'llm',
      path: `greedy ${ref.llm.tokens} tokens, ${model}, ${mode} decode`,
      unit: 'tokens/s',
      higherIsBetter: true,
      ours: { label: `ours, ${mode} decode`, samples: llm[mode], ...(cores ? { cores } : {}) },
      reference: {
        label: `${reference} transformers generate`,
        samples: llm.torch,
        ...(cores ? { cores } : {}),
      },
      ...(stopped ? { note: stopped } : {}),
    });
  }

  // UNet: one guided step on the same shapes.
  const unetSession = await ort.InferenceSession.create(
    join(ref.unet.dir, 'model.onnx'),
    sessionOptions,
  );
  const unet = new UnetModel(unetSession);
  const rng = createRng(1);
  const [, c, h, w] = ref.unet.latent as [number, number, number, number];
  const sample = rng.fillNormal(new Float32Array(c * h * w));
  const context = new ort.Tensor(
    'float32',
    rng.fillNormal(new Float32Array(ref.unet.context.reduce((a, b) => a * b, 1))),
    ref.unet.context,
  );
  const step = await interleaved(
    RUNS,
    () =>
      seconds(() => unet.predict({ sample, dims: [1, c, h, w], batch: 2, timestep: 500, context })),
    () => torchSeconds('unet'),
  );
  await unetSession.release();
  const unetName = `${(ref.unet.params / 1e6).toFixed(0)}M`;
  const [oursStep, torchStep] = [medianOf(step.ours), medianOf(step.reference)];
  lines.push([
    `UNet step s (${unetName}, batch 2, ${h}x${w})`,
    oursStep.toFixed(3),
    torchStep.toFixed(3),
    `${(torchStep / oursStep).toFixed(2)}x`,
  ]);
  emitRow({
    group: 'diffusion',
    path: `UNet step, SD 1.5 blocks at half width (${unetName}), batch 2, ${h}x${w} latents`,
    unit: 's/step',
    higherIsBetter: false,
    ours: { label: 'ours', samples: step.ours, ...(cores ? { cores } : {}) },
    reference: {
      label: `${reference} diffusers UNet2DConditionModel`,
      samples: step.reference,
      ...(cores ? { cores } : {}),
    },
  });

  console.log(
    `\nours (${PROVIDER}) vs PyTorch ${ref.torch} (${ref.device}), ${THREADS} threads, medians of ${RUNS} interleaved rounds`,
  );
  console.log(`${'path'.padEnd(44)} ${'ours'.padStart(9)} ${'torch'.padStart(9)}  speed-up`);
  for (const [name, ours, theirs, speedUp] of lines)
    console.log(`${name.padEnd(44)} ${ours.padStart(9)} ${theirs.padStart(9)}  ${speedUp}`);
}
