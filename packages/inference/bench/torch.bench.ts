/**
 * Our engine against PyTorch on the same models, CPU and threads, measured in the same run:
 * LLM greedy tokens/s (a ~100M-parameter Qwen2 exported by the project's exporter, against
 * transformers' generate) and seconds per guided UNet step (SD 1.5's block structure at half
 * width, against diffusers' UNet2DConditionModel). Ratios above 1 mean we are faster.
 * Needs the export venv (`./dev setup-export`); without it the bench says so and skips.
 *
 *   pnpm --filter @subnet/inference exec tsx bench/torch.bench.ts
 *   (BENCH_THREADS=2 BENCH_TOKENS=32; BENCH_PROVIDER=cuda: both on the GPU where torch has CUDA)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { pino } from 'pino';
import { UnetModel } from '../src/diffusion/unetModel';
import { ChatTokenizer } from '../src/llm/chatTokenizer';
import { DecoderModel } from '../src/llm/decoderModel';
import { LlmEngine } from '../src/llm/llmEngine';
import { createRng } from '../src/random/xoshiro128';
import { median } from './median';

const here = dirname(fileURLToPath(import.meta.url));
const python =
  process.env.SUBNET_EXPORT_PYTHON ?? join(here, '../../..', '.venv-export/bin/python');
const THREADS = Number(process.env.BENCH_THREADS ?? cpus().length);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 32);
const RUNS = 5;
const PROVIDER = process.env.BENCH_PROVIDER ?? 'cpu';

interface Reference {
  torch: string;
  device: string;
  llm: { dir: string; params: number; promptIds: number[]; tokens: number; seconds: number };
  unet: {
    dir: string;
    params: number;
    latent: number[];
    context: number[];
    secondsPerStep: number;
  };
}

function torchAvailable(): boolean {
  if (!existsSync(python)) return false;
  return spawnSync(python, ['-c', 'import torch, diffusers, optimum.exporters.onnx']).status === 0;
}

if (!torchAvailable()) {
  console.log(
    `torch bench skipped: ${python} cannot import torch/diffusers/optimum (create it with ./dev setup-export)`,
  );
  process.exit(0);
}

const dir = await mkdtemp(join(tmpdir(), 'bench-torch-'));
try {
  console.log(`building and exporting the models, then timing PyTorch (${THREADS} threads)...`);
  const stdout = execFileSync(
    python,
    [
      join(here, 'torch_reference.py'),
      '--out',
      dir,
      '--threads',
      String(THREADS),
      '--tokens',
      String(TOKENS),
      '--runs',
      String(RUNS),
      '--device',
      PROVIDER === 'cuda' ? 'cuda' : 'cpu',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 16 << 20 },
  );
  const ref = JSON.parse(stdout.trim().split('\n').pop() as string) as Reference;
  const sessionOptions = {
    executionProviders: [PROVIDER],
    intraOpNumThreads: THREADS,
  };

  // LLM: the export as written, greedy from the same prompt ids, every token generated.
  const llmSession = await ort.InferenceSession.create(
    join(ref.llm.dir, 'model.onnx'),
    sessionOptions,
  );
  const tokenizer = await ChatTokenizer.fromDirectory(ref.llm.dir);
  const quiet = pino({ level: 'silent' });
  const rows: [string, string, string, string][] = [];
  for (const decodeMode of ['exact', 'fast'] as const) {
    const engine = new LlmEngine({
      model: new DecoderModel(llmSession),
      tokenizer,
      maxContext: 1024,
      decodeMode,
      logger: quiet,
    });
    let produced = 0;
    const seconds = await median(RUNS, async () => {
      const r = await engine.complete({
        promptTokenIds: ref.llm.promptIds,
        maxTokens: ref.llm.tokens,
        temperature: 0,
      });
      produced = r.tokenIds.length;
    });
    const ours = produced / seconds;
    const theirs = ref.llm.tokens / ref.llm.seconds;
    rows.push([
      `LLM tokens/s (${(ref.llm.params / 1e6).toFixed(0)}M Qwen2, ${decodeMode})`,
      ours.toFixed(1),
      theirs.toFixed(1),
      `${(ours / theirs).toFixed(2)}x${produced === ref.llm.tokens ? '' : ` (stopped at ${produced})`}`,
    ]);
  }
  await llmSession.release();

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
  const step = await median(RUNS, () =>
    unet.predict({ sample, dims: [1, c, h, w], batch: 2, timestep: 500, context }),
  );
  rows.push([
    `UNet step s (${(ref.unet.params / 1e6).toFixed(0)}M, batch 2, ${h}x${w})`,
    step.toFixed(3),
    ref.unet.secondsPerStep.toFixed(3),
    `${(ref.unet.secondsPerStep / step).toFixed(2)}x`,
  ]);
  await unetSession.release();

  console.log(
    `\nours (${PROVIDER}) vs PyTorch ${ref.torch} (${ref.device}), ${THREADS} threads, medians of ${RUNS} runs`,
  );
  console.log(`${'path'.padEnd(44)} ${'ours'.padStart(9)} ${'torch'.padStart(9)}  speed-up`);
  for (const [name, ours, theirs, ratio] of rows)
    console.log(`${name.padEnd(44)} ${ours.padStart(9)} ${theirs.padStart(9)}  ${ratio}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
