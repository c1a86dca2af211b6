/**
 * LLM engine on the CPU provider with a test model: time to first token, tokens/s (exact and
 * fast decode), and LoRA adapter switching against a full session reload. Every figure is also
 * given as a ratio to a reference measured in the same run (one raw prefill forward pass), so
 * numbers from different machines can be compared.
 *
 *   pnpm --filter @subnet/inference bench        (BENCH_HIDDEN=256 BENCH_LAYERS=4 to resize;
 *                                                BENCH_PROVIDER=cuda on a GPU)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { pino } from 'pino';
import { ChatTokenizer } from '../src/llm/chatTokenizer';
import { DecoderModel } from '../src/llm/decoderModel';
import { LlmEngine } from '../src/llm/llmEngine';
import { AdapterStore } from '../src/lora/adapterStore';
import { writeTestAdapter } from '../src/testing/loraFixtures';
import { buildTinyDecoder, defaultTinyDecoderConfig } from '../src/testing/tinyDecoder';
import { buildTinyTokenizer } from '../src/testing/tinyTokenizer';

const config = {
  ...defaultTinyDecoderConfig,
  hidden: Number(process.env.BENCH_HIDDEN ?? 256),
  layers: Number(process.env.BENCH_LAYERS ?? 4),
  heads: 8,
  ffn: Number(process.env.BENCH_HIDDEN ?? 256) * 4,
  maxPositions: 512,
};
const bytes = buildTinyDecoder(config);
const sessionOptions: ort.InferenceSession.SessionOptions = {
  executionProviders: [process.env.BENCH_PROVIDER ?? 'cpu'],
  intraOpNumThreads: 1,
};
const files = buildTinyTokenizer(config.vocabSize);
const tokenizer = new ChatTokenizer(files.tokenizerJson, files.tokenizerConfig);

/** Runs the functions in turn, `runs` rounds, so machine noise hits them alike; medians in ms. */
async function interleaved(runs: number, fns: (() => Promise<unknown>)[]): Promise<number[]> {
  const times = fns.map(() => [] as number[]);
  for (const fn of fns) await fn();
  for (let r = 0; r < runs; r++) {
    for (const [i, fn] of fns.entries()) {
      const t = performance.now();
      await fn();
      times[i]?.push(performance.now() - t);
    }
  }
  return times.map((ts) => {
    ts.sort((a, b) => a - b);
    return ts[Math.floor(ts.length / 2)] as number;
  });
}

const session = await ort.InferenceSession.create(bytes, sessionOptions);
const model = new DecoderModel(session);
const dir = await mkdtemp(join(tmpdir(), 'bench-lora-'));
const adapters = ['a', 'b'];
for (const [i, name] of adapters.entries()) {
  await writeTestAdapter({
    dir,
    name,
    inputs: model.loraInputs,
    targets: model.loraInputs.map((l) => l.target),
    rank: 8,
    alpha: 16,
    seed: i,
  });
}
const quiet = pino({ level: 'silent' });
const store = new AdapterStore({
  logger: quiet,
  inputs: model.loraInputs,
  budgetBytes: 1 << 30,
  resolve: async (id) => ({ path: join(dir, `${id}.safetensors`) }),
});
const engines = {
  exact: new LlmEngine({ model, tokenizer, adapters: store, maxContext: config.maxPositions }),
  fast: new LlmEngine({
    model,
    tokenizer,
    adapters: store,
    decodeMode: 'fast',
    maxContext: config.maxPositions,
  }),
};
const prompt =
  'The miner answers the validator with tokens and their log probabilities, then waits.';
const promptIds = tokenizer.encode(prompt);
const newTokens = 64;

const firstToken = async (engine: LlmEngine) => {
  const it = engine.generate({ prompt, maxTokens: 1, temperature: 0 });
  await it.next();
  await it.return(undefined as never);
};
const [reference, ttftExact] = (await interleaved(15, [
  () => model.forward(promptIds, model.emptyCache()),
  () => firstToken(engines.exact),
])) as [number, number];

const rows: [string, string, string][] = [];
const add = (name: string, value: string, ratio: string) => rows.push([name, value, ratio]);
add('reference: one prefill forward', `${reference.toFixed(2)} ms`, '1.00x');
add(
  'time to first token (exact)',
  `${ttftExact.toFixed(2)} ms`,
  `${(ttftExact / reference).toFixed(2)}x reference`,
);
const [exactMs, fastMs] = (await interleaved(5, [
  () => engines.exact.complete({ prompt, maxTokens: newTokens, temperature: 0.8, seed: 1 }),
  () => engines.fast.complete({ prompt, maxTokens: newTokens, temperature: 0.8, seed: 1 }),
])) as [number, number];
const tpsExact = (newTokens / exactMs) * 1000;
const tpsFast = (newTokens / fastMs) * 1000;
add(
  'tokens/s, exact decode',
  tpsExact.toFixed(1),
  `${(1000 / tpsExact / reference).toFixed(2)}x reference per token`,
);
add('tokens/s, fast decode', tpsFast.toFixed(1), `${(tpsFast / tpsExact).toFixed(2)}x exact`);

await store.feeds('a');
await store.feeds('b');
let flip = 0;
const [sameAdapter, switching, coldAdapter, reload] = (await interleaved(15, [
  async () => model.forward(promptIds, model.emptyCache(), await store.feeds('a')),
  async () =>
    model.forward(promptIds, model.emptyCache(), await store.feeds(adapters[flip++ % 2] as string)),
  async () => {
    const cold = new AdapterStore({
      logger: quiet,
      inputs: model.loraInputs,
      budgetBytes: 1 << 30,
      resolve: async () => ({ path: join(dir, 'a.safetensors') }),
    });
    await model.forward(promptIds, model.emptyCache(), await cold.feeds('a'));
  },
  async () => {
    const s = await ort.InferenceSession.create(bytes, sessionOptions);
    const fresh = new DecoderModel(s);
    await fresh.forward(promptIds, fresh.emptyCache());
    await s.release();
  },
])) as [number, number, number, number];
add(
  'request, same adapter',
  `${sameAdapter.toFixed(2)} ms`,
  `${(sameAdapter / reference).toFixed(2)}x reference`,
);
add(
  'request, adapter switched (cached)',
  `${switching.toFixed(2)} ms`,
  `${(switching / sameAdapter).toFixed(2)}x same adapter`,
);
add(
  'request, adapter loaded from disk',
  `${coldAdapter.toFixed(2)} ms`,
  `${(coldAdapter / sameAdapter).toFixed(2)}x same adapter`,
);
add(
  'request, full session reload',
  `${reload.toFixed(2)} ms`,
  `${(reload / switching).toFixed(1)}x adapter switch`,
);

console.log(
  `LLM bench: tiny decoder hidden=${config.hidden} layers=${config.layers} vocab=${config.vocabSize}, ${bytes.length} bytes, CPU, 1 thread, prompt ${promptIds.length} tokens, ${newTokens} new tokens`,
);
const width = Math.max(...rows.map((r) => r[0].length));
for (const [name, value, ratio] of rows)
  console.log(`${name.padEnd(width)}  ${value.padStart(12)}  ${ratio}`);
await rm(dir, { recursive: true, force: true });
