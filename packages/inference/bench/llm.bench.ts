/**
 * LLM engine on the CPU provider with a test model: time to first token, tokens/s (exact and
 * fast decode), and LoRA adapter switching against a full session reload. Each figure is taken
 * in turn with the one it is compared with (rounds of each, row.ts `interleavedAll`), and
 * reported against it: the first token against one raw prefill forward pass (the floor), fast
 * decode against exact, an adapter switch against reloading the session.
 *
 *   pnpm bench --only llm.bench.ts    (BENCH_HIDDEN=256 BENCH_LAYERS=4 to resize;
 *                                      BENCH_PROVIDER=cuda on a GPU)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { emitRow, interleavedAll, medianOf } from '../../../scripts/bench/row';
import { ChatTokenizer } from '../src/llm/chatTokenizer';
import { DecoderModel } from '../src/llm/decoderModel';
import { LlmEngine } from '../src/llm/llmEngine';
import { AdapterStore } from '../src/lora/adapterStore';
import * as ort from '../src/runtime/ort';
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

/** Milliseconds `fn` takes. */
async function ms(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
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
const first = await interleavedAll(15, {
  forward: () => ms(() => model.forward(promptIds, model.emptyCache())),
  ttft: () => ms(() => firstToken(engines.exact)),
});
const reference = medianOf(first.forward);
const ttftExact = medianOf(first.ttft);

const rows: [string, string, string][] = [];
const add = (name: string, value: string, ratio: string) => rows.push([name, value, ratio]);
add('reference: one prefill forward', `${reference.toFixed(2)} ms`, '1.00x');
add(
  'time to first token (exact)',
  `${ttftExact.toFixed(2)} ms`,
  `${(ttftExact / reference).toFixed(2)}x reference`,
);
const perSecond = (samples: number[]) => samples.map((t) => (newTokens / t) * 1000);
const decode = await interleavedAll(5, {
  exact: () =>
    ms(() => engines.exact.complete({ prompt, maxTokens: newTokens, temperature: 0.8, seed: 1 })),
  fast: () =>
    ms(() => engines.fast.complete({ prompt, maxTokens: newTokens, temperature: 0.8, seed: 1 })),
});
const tpsExact = medianOf(perSecond(decode.exact));
const tpsFast = medianOf(perSecond(decode.fast));
add(
  'tokens/s, exact decode',
  tpsExact.toFixed(1),
  `${(1000 / tpsExact / reference).toFixed(2)}x reference per token`,
);
add('tokens/s, fast decode', tpsFast.toFixed(1), `${(tpsFast / tpsExact).toFixed(2)}x exact`);

await store.feeds('a');
await store.feeds('b');
let flip = 0;
const lora = await interleavedAll(15, {
  same: () => ms(async () => model.forward(promptIds, model.emptyCache(), await store.feeds('a'))),
  switching: () =>
    ms(async () =>
      model.forward(
        promptIds,
        model.emptyCache(),
        await store.feeds(adapters[flip++ % 2] as string),
      ),
    ),
  cold: () =>
    ms(async () => {
      const cold = new AdapterStore({
        logger: quiet,
        inputs: model.loraInputs,
        budgetBytes: 1 << 30,
        resolve: async () => ({ path: join(dir, 'a.safetensors') }),
      });
      await model.forward(promptIds, model.emptyCache(), await cold.feeds('a'));
    }),
  reload: () =>
    ms(async () => {
      const s = await ort.InferenceSession.create(bytes, sessionOptions);
      const fresh = new DecoderModel(s);
      await fresh.forward(promptIds, fresh.emptyCache());
      await s.release();
    }),
});
const [sameAdapter, switching, coldAdapter, reload] = [
  lora.same,
  lora.switching,
  lora.cold,
  lora.reload,
].map(medianOf) as [number, number, number, number];
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

const shape = `tiny decoder (hidden ${config.hidden}, ${config.layers} layers)`;
console.log(
  `LLM bench: tiny decoder hidden=${config.hidden} layers=${config.layers} vocab=${config.vocabSize}, ${bytes.length} bytes, CPU, 1 thread, prompt ${promptIds.length} tokens, ${newTokens} new tokens`,
);
const width = Math.max(...rows.map((r) => r[0].length));
for (const [name, value, ratio] of rows)
  console.log(`${name.padEnd(width)}  ${value.padStart(12)}  ${ratio}`);

const reloadSide = { label: 'full session reload + forward', samples: lora.reload, cores: 1 };
emitRow({
  group: 'llm',
  path: `time to first token, ${shape}, ${promptIds.length}-token prompt`,
  unit: 'ms',
  higherIsBetter: false,
  ours: { label: 'ours, exact decode', samples: first.ttft, cores: 1 },
  reference: { label: 'one raw prefill forward', samples: first.forward, cores: 1 },
  note: 'The reference is the floor: the prefill pass alone, nothing around it.',
});
emitRow({
  group: 'llm',
  path: `decode ${newTokens} tokens, ${shape}`,
  unit: 'tokens/s',
  higherIsBetter: true,
  ours: { label: 'ours, fast decode', samples: perSecond(decode.fast), cores: 1 },
  reference: { label: 'ours, exact decode', samples: perSecond(decode.exact), cores: 1 },
});
emitRow({
  group: 'llm',
  path: `request with a LoRA adapter switched (cached), ${shape}`,
  unit: 'ms',
  higherIsBetter: false,
  ours: { label: 'ours', samples: lora.switching, cores: 1 },
  reference: reloadSide,
});
emitRow({
  group: 'llm',
  path: `request with a LoRA adapter loaded from disk, ${shape}`,
  unit: 'ms',
  higherIsBetter: false,
  ours: { label: 'ours', samples: lora.cold, cores: 1 },
  reference: reloadSide,
});
await rm(dir, { recursive: true, force: true });
