/**
 * Cheating miners for tests of the validator's checks: wrappers around a miner's honest task
 * backends that cut the corners a cheater would cut to save compute, while its axon, signatures
 * and registration stay real. Each is a `LocalMinerSpec.wrapBackends`.
 *
 * - `fewerSteps`: TextToImage with one denoising step fewer than the task asks (at least one).
 * - `otherImageSeed`: TextToImage with another seed than the task's.
 * - `cachedImage`: every TextToImage answered with the one image it made at start-up.
 * - `otherTextSeed`: Completion sampled with another seed than the task's (a valid sample of the
 *   model, but not the one the task names).
 * - `greedyText`: Completion decoded greedily (temperature 0) whatever temperature the task asks.
 * - `fewerUncropSteps`: Uncrop with one denoising step, whatever the task asks.
 * - `unextendedUncrop`: every Uncrop answered with the task's own image, not extended (no work).
 */
import type { TaskBackendMap, TaskContext, TaskHandler } from '@subnet/miner';
import type { Synapse } from '@subnet/protocol';
import type { TaskKind } from '@subnet/protocol/tasks';
import type { Logger } from 'pino';

function handlerOf(backends: TaskBackendMap, kind: TaskKind): TaskHandler {
  const handler = backends[kind];
  if (!handler) throw new Error(`the miner serves no ${kind}, so it cannot cheat on it`);
  return handler;
}

/** The backends with `kind`'s synapse rewritten before the honest handler runs it. */
function rewriting(
  backends: TaskBackendMap,
  kind: TaskKind,
  rewrite: (synapse: Synapse) => Synapse,
): TaskBackendMap {
  const honest = handlerOf(backends, kind);
  return {
    ...backends,
    [kind]: (synapse: Synapse, ctx: TaskContext) => honest(rewrite(synapse), ctx),
  };
}

/** Another seed of the same range: its neighbour with the lowest bit flipped (seeds pass 2^31). */
const otherSeed = (seed: unknown) =>
  (seed as number) % 2 === 0 ? (seed as number) + 1 : (seed as number) - 1;

export function fewerSteps(backends: TaskBackendMap): TaskBackendMap {
  return rewriting(backends, 'TextToImage', (s) => ({
    ...s,
    steps: Math.max(1, (s.steps as number) - 1),
  }));
}

export function fewerUncropSteps(backends: TaskBackendMap): TaskBackendMap {
  return rewriting(backends, 'Uncrop', (s) => ({
    ...s,
    steps: 1,
  }));
}

export function unextendedUncrop(backends: TaskBackendMap): TaskBackendMap {
  handlerOf(backends, 'Uncrop');
  return { ...backends, Uncrop: async (synapse: Synapse) => ({ image_b64: synapse.image }) };
}

export function otherImageSeed(backends: TaskBackendMap): TaskBackendMap {
  return rewriting(backends, 'TextToImage', (s) => ({ ...s, seed: otherSeed(s.seed) }));
}

export function otherTextSeed(backends: TaskBackendMap): TaskBackendMap {
  return rewriting(backends, 'Completion', (s) => ({ ...s, seed: otherSeed(s.seed) }));
}

export function greedyText(backends: TaskBackendMap): TaskBackendMap {
  return rewriting(backends, 'Completion', (s) => ({ ...s, temperature: 0 }));
}

/** The TextToImage the cached miner makes once at start-up (the tiny diffusion model's size). */
export const CACHED_IMAGE_TASK = {
  model: 'tiny-sd',
  prompt: 'a lighthouse on a cliff at dusk, oil painting',
  negative_prompt: '',
  steps: 2,
  cfg_scale: 5,
  width: 512,
  height: 512,
  seed: 7,
};

export async function cachedImage(backends: TaskBackendMap, log: Logger): Promise<TaskBackendMap> {
  const honest = handlerOf(backends, 'TextToImage');
  const made = await honest(CACHED_IMAGE_TASK as unknown as Synapse, {
    signal: new AbortController().signal,
    log,
  });
  if (Symbol.asyncIterator in made) throw new Error('TextToImage answered with a stream');
  const outputs = { ...made };
  return { ...backends, TextToImage: async () => ({ ...outputs }) };
}
