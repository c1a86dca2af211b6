/**
 * The work loop against real miners over loopback: synthetic tasks sent with the dendrite to
 * test axons that run the inference package's engines, then checked by reproduction on the
 * validator's own copies of the models. Honest miners reproduce exactly; cheats do not.
 */
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { createSession, parseRuntimeConfig } from '@subnet/inference';
import { TiledUpscaler } from '@subnet/inference/diffusion';
import {
  decodeImage,
  encodeImage,
  imageBytesFromBase64,
  imageBytesToBase64,
  imageHashes,
  type RgbImage,
  resizeImage,
} from '@subnet/inference/image';
import { attr, OnnxGraph } from '@subnet/inference/testing';
import { Dendrite, hotkeyFromUri } from '@subnet/protocol';
import { devHotkey } from '@subnet/protocol/testing';
import { hashDistanceFeatures } from '@subnet/scoring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../src/storage/index';
import { scoringHashes } from '../../src/work/checkImageAnswer';
import { checkResult, headToHead, storeOutcome } from '../../src/work/checkResult';
import type { CheckModels } from '../../src/work/checkTypes';
import { type MinerTarget, queryMiner, queryMiners } from '../../src/work/queryMiner';
import { type SyntheticProfile, syntheticTask } from '../../src/work/syntheticTasks';
import { taskSeed } from '../../src/work/taskSeeds';
import { type MinerBehaviour, startTestMiner, type TestMiner } from './support/testMiner';
import { checkModels, type Engines, openEngines, openTestStorage } from './support/workHarness';

const VALIDATOR_UID = 0;
const profile: Partial<SyntheticProfile> = {
  imageSizes: [[512, 512]],
  steps: [2, 4],
  maxTokens: [8, 24],
  temperatures: [0.7],
  maxPromptChars: 80,
};

let engines: Engines;
let models: CheckModels;
let dendrite: Dendrite;
let db: { storage: Storage; close(): Promise<void> };
const miners: Record<string, { miner: TestMiner; target: MinerTarget }> = {};

async function addMiner(
  name: 'bob' | 'charlie' | 'dave' | 'eve' | 'ferdie' | 'eve-unextended',
  uid: number,
  behaviour: MinerBehaviour,
) {
  const hotkey =
    name === 'eve-unextended' ? await hotkeyFromUri('//EveUnextended') : await devHotkey(name);
  const miner = await startTestMiner({ hotkey, ...engines, behaviour });
  miners[name] = {
    miner,
    target: { uid, hotkey: hotkey.address, ip: '127.0.0.1', port: miner.port },
  };
}

const target = (name: string) => (miners[name] as { target: MinerTarget }).target;

/** Gaussian blur (separable, edges clamped) of an image: a cheat that keeps every thumbnail. */
function gaussianBlur(image: RgbImage, sigma: number): RgbImage {
  const radius = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) =>
    Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)),
  );
  const total = kernel.reduce((a, b) => a + b, 0);
  const { width, height, data } = image;
  const pass = (src: ArrayLike<number>, dx: number, dy: number): Float64Array => {
    const out = new Float64Array(src.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let k = -radius; k <= radius; k++) {
            const xx = Math.min(width - 1, Math.max(0, x + k * dx));
            const yy = Math.min(height - 1, Math.max(0, y + k * dy));
            sum += (kernel[k + radius] as number) * (src[(yy * width + xx) * 3 + c] as number);
          }
          out[(y * width + x) * 3 + c] = sum / total;
        }
      }
    }
    return out;
  };
  const blurred = pass(pass(data, 1, 0), 0, 1);
  return { width, height, data: Uint8Array.from(blurred, (v) => Math.round(v)) };
}

/** The same image resized to 1/`factor` of its sides and back (Lanczos both ways). */
async function downThenUp(image: RgbImage, factor: number): Promise<RgbImage> {
  const { width, height } = image;
  const small = await resizeImage(image, {
    width: width / factor,
    height: height / factor,
    fit: 'fill',
  });
  return resizeImage(small, { width, height, fit: 'fill' });
}

beforeAll(async () => {
  engines = await openEngines();
  models = checkModels(engines);
  dendrite = new Dendrite({ hotkey: await devHotkey('alice') });
  db = await openTestStorage();
  await addMiner('bob', 1, {});
  await addMiner('charlie', 2, {
    seedOffset: 1,
    tamperTokenId: 65,
    clipEmbedding: Array(16).fill(0.25),
  });
  await addMiner('dave', 3, { steps: 1 });
  await addMiner('eve', 4, { failWith: 500 });
  await addMiner('ferdie', 5, { failFirst: 1 });
  await addMiner('eve-unextended', 6, { unextended: true });
  await db.storage.miners.syncMetagraph(
    Object.values(miners).map((m) => ({ uid: m.target.uid, hotkey: m.target.hotkey })),
    1_000,
  );
}, 60_000);

afterAll(async () => {
  await dendrite?.close();
  await Promise.all(Object.values(miners).map((m) => m.miner.close()));
  await db?.close();
  await engines?.release();
});

describe('LLM tasks', () => {
  it.each(['Chat', 'Completion'] as const)(
    'an honest miner reproduces a %s task exactly: score 1',
    async (kind) => {
      const task = await syntheticTask({
        kind,
        seed: taskSeed(VALIDATOR_UID, 11),
        model: 'tiny',
        profile,
      });
      const outcome = await queryMiner(dendrite, target('bob'), task);
      expect(outcome).toMatchObject({ statusCode: 200, fault: 'none', attempts: 1, uid: 1 });
      const tokens = (outcome.outputs?.token_logprobs ?? []) as unknown[];
      expect(tokens.length).toBeGreaterThan(0);
      const check = await checkResult(models, task, outcome.outputs ?? {});
      expect(check).toEqual({
        score: 1,
        penalty: 0,
        reason: 'agrees',
        details: {
          meanDistance: 0,
          badTokens: 0,
          tokens: tokens.length,
        },
      });
    },
  );

  it('a miner that tampers with tokens scores 0', async () => {
    const task = await syntheticTask({
      kind: 'Completion',
      seed: taskSeed(VALIDATOR_UID, 12),
      model: 'tiny',
      profile,
    });
    const outcome = await queryMiner(dendrite, target('charlie'), task);
    expect(outcome.statusCode).toBe(200);
    const check = await checkResult(models, task, outcome.outputs ?? {});
    expect(check).toMatchInlineSnapshot(`
      {
        "details": {
          "badTokens": 6,
          "meanDistance": NaN,
          "tokens": 18,
        },
        "penalty": 0,
        "reason": "too-many-bad-tokens",
        "score": 0,
      }
    `);
  });
});

describe('LLM answers sampled with another seed', () => {
  it('pass the logprob check alone, and fail it with sample matching on', async () => {
    const task = await syntheticTask({
      kind: 'Chat',
      seed: taskSeed(VALIDATOR_UID, 14),
      model: 'tiny',
      profile,
    });
    const otherSeed = await startTestMiner({
      hotkey: await devHotkey('ferdie'),
      ...engines,
      behaviour: { seedOffset: 3 },
    });
    try {
      const cheat = await queryMiner(dendrite, { ...target('ferdie'), port: otherSeed.port }, task);
      const honest = await queryMiner(dendrite, target('bob'), task);
      const strict = { ...models, llmSampleMatch: true };
      const verdicts = await Promise.all([
        checkResult(models, task, cheat.outputs ?? {}),
        checkResult(strict, task, cheat.outputs ?? {}),
        checkResult(strict, task, honest.outputs ?? {}),
      ]);
      expect(
        verdicts.map((v) => [v.score, v.reason, v.details.sampleMatch]),
      ).toMatchInlineSnapshot(`
        [
          [
            1,
            "agrees",
            undefined,
          ],
          [
            0.07142857142857142,
            "sample-mismatch",
            0.07142857142857142,
          ],
          [
            1,
            "agrees",
            1,
          ],
        ]
      `);
    } finally {
      await otherSeed.close();
    }
  });
});

describe('LLM answers that cannot be checked', () => {
  it('scores 0 without token ids, with ids outside the vocabulary, or with no tokens', async () => {
    const task = await syntheticTask({
      kind: 'Completion',
      seed: taskSeed(VALIDATOR_UID, 13),
      model: 'tiny',
      profile,
    });
    const outcome = await queryMiner(dendrite, target('bob'), task);
    const tokens = (outcome.outputs?.token_logprobs ?? []) as { token_id?: number }[];
    const withoutIds = tokens.map(({ token_id: _, ...rest }) => rest);
    const outside = tokens.map((t) => ({ ...t, token_id: 100_000 }));
    const verdicts = await Promise.all(
      [withoutIds, outside, []].map((token_logprobs) =>
        checkResult(models, task, { ...outcome.outputs, token_logprobs }),
      ),
    );
    expect(verdicts.map((v) => [v.score, v.reason])).toEqual([
      [0, 'no-token-ids'],
      [0, 'token-outside-vocabulary'],
      [0, 'empty'],
    ]);
  });
});

describe('image tasks', () => {
  it('an honest miner reproduces a TextToImage task: score 1; another seed and fewer steps score low', async () => {
    const task = await syntheticTask({
      kind: 'TextToImage',
      seed: taskSeed(VALIDATOR_UID, 21),
      model: 'tiny',
      profile,
    });
    const [honest, otherSeed, fewerSteps] = await queryMiners(
      dendrite,
      [target('bob'), target('charlie'), target('dave')],
      task,
    );
    const checks = await Promise.all(
      [honest, otherSeed, fewerSteps].map((o) => checkResult(models, task, o?.outputs ?? {})),
    );
    expect(checks).toMatchInlineSnapshot(`
      [
        {
          "details": {
            "calibratedProbability": 1,
            "clipSimilarity": 1,
            "colorShift": 0,
            "detailRatio": 1,
            "lumaPsnr": 60,
            "sameProbability": 0.9993703961372375,
          },
          "penalty": 0,
          "reason": "reproduced",
          "score": 1,
        },
        {
          "details": {
            "calibratedProbability": 0.0009172946988324086,
            "clipSimilarity": 1,
            "colorShift": 1.7922677849411166,
            "detailRatio": 0.9997533529079095,
            "lumaPsnr": 14.187619042703165,
            "sameProbability": 0.0009167171665467322,
          },
          "penalty": 0,
          "reason": "partial",
          "score": 0.0009172946988324087,
        },
        {
          "details": {
            "calibratedProbability": 0.00030874743652251286,
            "clipSimilarity": 1,
            "colorShift": 6.04540521479618,
            "detailRatio": 1.1228348413243099,
            "lumaPsnr": 14.289548293684216,
            "sameProbability": 0.0003085530479438603,
          },
          "penalty": 0,
          "reason": "partial",
          "score": 0.00030874743652251286,
        },
      ]
    `);
  });
});

describe('image answers that lose detail', () => {
  /**
   * A real upscaler ONNX model that keeps every pixel's detail (nearest-neighbour x2: the input's
   * channels repeated into DepthToSpace), so the reference carries the fine grain of the
   * validator's drawn scenes; the tiny test diffusion models draw noise, whose every lossy copy
   * already changes the hashes.
   */
  function nearestUpscalerBytes(): Uint8Array {
    const g = new OnnxGraph('nearest_x2');
    const x = g.input('input', 'float32', ['batch', 3, 'height', 'width']);
    const repeated = g.op('Concat', [x, x, x, x], { axis: attr.int(1) });
    g.op('DepthToSpace', [repeated], { blocksize: attr.int(2) }, 'output');
    g.output('output', 'float32', ['batch', 3, 'out_height', 'out_width']);
    return g.toBytes(17);
  }

  it('a blurred or down-then-up resized copy of the honest image fails with the hashes unchanged; the image and its JPEG q90 round trip pass', async () => {
    const runtime = parseRuntimeConfig({ providers: ['cpu'], intraOpNumThreads: 1 });
    const { session } = await createSession(nearestUpscalerBytes(), runtime);
    try {
      const upscaler = new TiledUpscaler(session);
      const withUpscaler: CheckModels = { ...models, upscaler: () => upscaler };
      const task = await syntheticTask({
        kind: 'Upscale',
        seed: taskSeed(VALIDATOR_UID, 71),
        model: 'tiny',
        profile,
      });
      const honest = await upscaler.upscaleBytes(imageBytesFromBase64(task.input.image as string));
      const { image } = honest;
      const png = (img: RgbImage) => encodeImage(img, { format: 'png' });
      const answers: Record<string, Uint8Array> = {
        exact: honest.png,
        jpeg90: await encodeImage(image, { format: 'jpeg', quality: 90 }),
        blurred: await png(gaussianBlur(image, 2)),
        resized: await png(await downThenUp(image, 4)),
      };
      const reference = scoringHashes(imageHashes(image));
      const checks: Record<string, string> = {};
      for (const [name, bytes] of Object.entries(answers)) {
        const answer = await decodeImage(bytes, { maxPixels: 1 << 20 });
        const check = await checkResult(withUpscaler, task, {
          image_b64: imageBytesToBase64(bytes),
        });
        const hashes = hashDistanceFeatures(reference, scoringHashes(imageHashes(answer)));
        checks[name] =
          `${check.reason} ${check.score.toFixed(4)} hashes ${hashes.join(' ')} ` +
          `detail ${check.details.detailRatio?.toFixed(4)} psnr ${check.details.lumaPsnr?.toFixed(1)}`;
      }
      expect(image.width).toBe(512);
      expect(checks).toMatchInlineSnapshot(`
        {
          "blurred": "partial 0.0017 hashes 0 0 1 0 detail 0.0149 psnr 34.7",
          "exact": "reproduced 1.0000 hashes 0 0 0 0 detail 1.0000 psnr 60.0",
          "jpeg90": "reproduced 1.0000 hashes 0 0 0 0 detail 0.9772 psnr 44.2",
          "resized": "partial 0.0020 hashes 0 0 3 0 detail 0.0203 psnr 34.7",
        }
      `);
    } finally {
      await session.release();
    }
  });
});

describe('image tasks with input images', () => {
  it.each(['ImageToImage', 'Inpaint', 'ControlNet'] as const)(
    'an honest miner reproduces %s: score 1; another seed scores below 0.1',
    async (kind) => {
      const task = await syntheticTask({
        kind,
        seed: taskSeed(VALIDATOR_UID, 51),
        model: 'tiny',
        profile,
      });
      const [honest, otherSeed] = await queryMiners(
        dendrite,
        [target('bob'), target('charlie')],
        task,
      );
      const [good, bad] = await Promise.all(
        [honest, otherSeed].map((o) => checkResult(models, task, o?.outputs ?? {})),
      );
      expect(good).toMatchObject({ score: 1, penalty: 0, reason: 'reproduced' });
      expect(bad?.score).toBeLessThan(0.1);
    },
  );
});

describe('uncrop', () => {
  it('honest: score 1; another seed, fewer steps, the unextended image or a changed original fail', async () => {
    const task = await syntheticTask({
      kind: 'Uncrop',
      seed: taskSeed(VALIDATOR_UID, 61),
      model: 'tiny',
      profile: { ...profile, inputImageSide: 64 },
    });
    const ext = task.input as Record<string, number>;
    // One axis grows by a multiple of 64, at least a quarter of the side: the canvas is on the grid.
    const width = 64 + (ext.extend_left as number) + (ext.extend_right as number);
    const height = 64 + (ext.extend_top as number) + (ext.extend_bottom as number);
    expect([width % 64, height % 64, width * height > 64 * 64]).toEqual([0, 0, true]);
    const [honest, otherSeed, fewerSteps, unextended] = await queryMiners(
      dendrite,
      [target('bob'), target('charlie'), target('dave'), target('eve-unextended')],
      task,
    );
    const [good, seed, steps, small] = await Promise.all(
      [honest, otherSeed, fewerSteps, unextended].map((o) =>
        checkResult(models, task, o?.outputs ?? {}),
      ),
    );
    expect(good).toMatchObject({ score: 1, penalty: 0, reason: 'reproduced' });
    expect(seed?.score).toBeLessThan(0.1);
    expect(steps?.score).toBeLessThan(0.1);
    expect(small).toMatchObject({ score: 0, reason: 'wrong-size' });
    // With a CLIP model: the miner's embedding is of its whole image (the comparison blanks the
    // kept area, the claim check must not), so the honest answer still scores 1.
    const png = imageBytesFromBase64(honest?.outputs?.image_b64 as string);
    const decoded = await decodeImage(png, { maxPixels: 1 << 22 });
    const [whole] = await engines.clip.embedImages([decoded]);
    const withClip = checkModels(engines, { withClip: true });
    expect(
      await checkResult(withClip, task, {
        ...honest?.outputs,
        clip_embedding: Array.from(whole as Float32Array),
      }),
    ).toMatchObject({ score: 1, penalty: 0, reason: 'reproduced' });
    // The NSFW flag is also the whole image's: with a classifier that flags every image but those
    // with a patch of flat mid grey (what the comparison's blanked kept area is), the miner's true
    // flag on its whole image agrees with the reference's, and costs no penalty.
    const greyClassifier = {
      classify: async (img: RgbImage) => {
        let grey = 0;
        for (let i = 0; i < img.data.length; i += 3)
          if (img.data[i] === 128 && img.data[i + 1] === 128 && img.data[i + 2] === 128) grey++;
        const nsfw = grey < 16;
        return { nsfw, probability: nsfw ? 1 : 0 };
      },
    };
    expect(
      await checkResult({ ...models, nsfw: greyClassifier }, task, {
        ...honest?.outputs,
        is_nsfw: true,
      }),
    ).toMatchObject({ score: 1, penalty: 0, reason: 'both-nsfw' });
    // The honest image with one kept pixel changed: the original must come back exactly.
    const at = ((ext.extend_top as number) * decoded.width + (ext.extend_left as number)) * 3;
    decoded.data[at] = ((decoded.data[at] as number) + 1) % 256;
    const changed = imageBytesToBase64(await encodeImage(decoded, { format: 'png' }));
    expect(await checkResult(models, task, { image_b64: changed })).toMatchObject({
      score: 0,
      reason: 'original-changed',
    });
  });
});

describe('upscaling and CLIP', () => {
  it('an honest Upscale reproduces: score 1', async () => {
    const task = await syntheticTask({
      kind: 'Upscale',
      seed: taskSeed(VALIDATOR_UID, 61),
      model: 'tiny',
      profile,
    });
    const outcome = await queryMiner(dendrite, target('bob'), task);
    const check = await checkResult(models, task, outcome.outputs ?? {});
    expect(check).toMatchObject({ score: 1, penalty: 0, reason: 'reproduced' });
  });

  it('ClipEmbeddings: honest embeddings score 1, made-up ones 0', async () => {
    const task = await syntheticTask({
      kind: 'ClipEmbeddings',
      seed: taskSeed(VALIDATOR_UID, 62),
      model: 'tiny',
      profile,
    });
    const [honest, madeUp] = await queryMiners(dendrite, [target('bob'), target('charlie')], task);
    const checks = await Promise.all(
      [honest, madeUp].map((o) => checkResult(models, task, o?.outputs ?? {})),
    );
    expect(checks.map((c) => [c.score, c.reason])).toEqual([
      [1, 'reproduced'],
      [0, 'partial'],
    ]);
    expect(await checkResult(models, task, { clip_embeddings: [] })).toMatchObject({
      score: 0,
      reason: 'wrong-count',
    });
  });

  it('with a CLIP model configured: the honest image scores 1, a misreported embedding -3', async () => {
    const withClip = checkModels(engines, { withClip: true });
    const task = await syntheticTask({
      kind: 'TextToImage',
      seed: taskSeed(VALIDATOR_UID, 63),
      model: 'tiny',
      profile,
    });
    const [honest, cheat] = await queryMiners(dendrite, [target('bob'), target('charlie')], task);
    const checks = await Promise.all(
      [honest, cheat].map((o) => checkResult(withClip, task, o?.outputs ?? {})),
    );
    expect(checks[0]).toMatchObject({ score: 1, penalty: 0, reason: 'reproduced' });
    expect(checks[0]?.details.clipSimilarity).toBeCloseTo(1, 6);
    expect(checks[1]).toMatchObject({ score: 0, penalty: -3, reason: 'misreported-clip' });
  });
});

describe('failures and retries', () => {
  it('tells a miner that fails twice from one that fails once, and a miner that is down', async () => {
    const task = await syntheticTask({
      kind: 'TextToImage',
      seed: taskSeed(VALIDATOR_UID, 31),
      model: 'tiny',
      profile,
    });
    const failing = await queryMiner(dendrite, target('eve'), task);
    expect(failing).toMatchObject({
      statusCode: 500,
      attempts: 2,
      fault: 'miner',
      statusMessage: 'miner failure',
    });
    expect(failing.outputs).toBeUndefined();
    const flaky = await queryMiner(dendrite, target('ferdie'), task);
    expect(flaky).toMatchObject({ statusCode: 200, attempts: 2, fault: 'none' });
    const down = await queryMiner(dendrite, { ...target('bob'), port: 1 }, task);
    expect(down).toMatchObject({ statusCode: 503, attempts: 2, fault: 'miner' });
    // Another hotkey's axon at this address refuses our well-formed task (401): on chain the
    // address is that hotkey's, so the refusal counts against the miner.
    const misaddressed = await queryMiner(
      dendrite,
      { ...target('bob'), hotkey: target('dave').hotkey },
      task,
    );
    expect(misaddressed).toMatchObject({ statusCode: 401, attempts: 2, fault: 'miner' });
    // Only a query the validator cancelled itself (it is stopping) is the validator's fault.
    const stopping = new AbortController();
    stopping.abort();
    const cancelled = await queryMiner(dendrite, target('bob'), task, { signal: stopping.signal });
    expect(cancelled).toMatchObject({ statusCode: 408, attempts: 1, fault: 'validator' });
  });

  it('gives up on a miner that does not answer within the deadline, without a retry', async () => {
    const task = await syntheticTask({
      kind: 'TextToImage',
      seed: taskSeed(VALIDATOR_UID, 32),
      model: 'tiny',
      profile,
    });
    // An axon that takes the connection and never answers.
    const sockets: Socket[] = [];
    const silent = createNetServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const t0 = Date.now();
      // The period ends in 300 ms: the query may not run past it, whatever its own timeout.
      const late = await queryMiner(dendrite, { ...target('bob'), port }, task, {
        deadlineMs: t0 + 300,
      });
      expect(Date.now() - t0).toBeLessThan(3_000);
      expect(late).toMatchObject({ statusCode: 408, attempts: 1, fault: 'miner' });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('storing results and head-to-head', () => {
  it('stores checked results and the preference of the honest miner', async () => {
    const task = await syntheticTask({
      kind: 'TextToImage',
      seed: taskSeed(VALIDATOR_UID, 41),
      model: 'tiny',
      profile,
    });
    const outcomes = await queryMiners(dendrite, [target('bob'), target('charlie')], task);
    const checks = await Promise.all(
      outcomes.map((o) => checkResult(models, task, o.outputs ?? {})),
    );
    const ids = [];
    for (const [i, outcome] of outcomes.entries()) {
      ids.push(await storeOutcome(db.storage.results, outcome, { nowMs: 2_000, check: checks[i] }));
    }
    const rows = await db.storage.results.listForTask(task.id);
    expect(rows.map((r) => [r.uid, r.statusCode, r.checked, r.checkScore])).toEqual([
      [1, 200, true, checks[0]?.score],
      [2, 200, true, checks[1]?.score],
    ]);
    const stored = await headToHead(
      db.storage.comparisons,
      outcomes.map((outcome, i) => ({ outcome, quality: checks[i]?.score ?? 0 })),
      { nowMs: 2_000 },
    );
    expect(stored).toBe(1);
    const [comparison] = await db.storage.comparisons.listBetween(0, 3_000);
    expect(comparison).toMatchObject({
      taskId: task.id,
      uidA: 1,
      uidB: 2,
      preference: 1,
      taskKind: 'TextToImage',
    });

    // Dave's uid and hotkey, at an address where another miner answers: refused (401).
    const refused = await queryMiner(
      dendrite,
      { ...target('dave'), port: target('bob').port },
      task,
    );
    // Refusing the validator's well-formed task is stored against the miner, like any failure.
    const refusedId = await storeOutcome(db.storage.results, refused, { nowMs: 2_000 });
    expect((await db.storage.results.get(refusedId as number))?.statusCode).toBe(401);
  });
});
