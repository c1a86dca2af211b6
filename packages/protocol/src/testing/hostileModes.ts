/**
 * The ways a hostile axon (`hostileAxon.ts`) misbehaves, and what each does to the task
 * synapses. The `Capacity` synapse is answered normally from `--capacity` unless the mode says
 * otherwise (`hang-connect` and the `capacity-*` modes).
 */
export const HOSTILE_MODES = [
  /** A raw TCP server that accepts connections and never reads or writes (every path). */
  'hang-connect',
  /** 200 and headers, then nothing, forever. */
  'hang-headers',
  /** 200 and headers, then one byte a second, forever (of a token event for streams). */
  'drip',
  /** 200 `text/event-stream` with valid token events as fast as the socket drains; never done. */
  'endless-stream',
  /** A 200 JSON answer of about 200 MB, written in chunks. */
  'huge',
  /** A 200 answer whose `image_b64` is a decompression-bomb PNG (`bombPng.ts`). */
  'bomb-png',
  /** 200 with a truncated JSON body. */
  'malformed-json',
  /** 200 with a well-formed answer of another synapse (`Capacity`). */
  'wrong-name',
  /** 400 `{"message":"bad request"}` for every task. */
  'refuse-400',
  /** Capacity answered with volume 1e12 for each kind of `--capacity`; tasks get 400. */
  'capacity-flood',
  /** Capacity answered with volume -5; tasks get 400. */
  'capacity-negative',
  /** Capacity answered with volume "lots"; tasks get 400. */
  'capacity-string',
] as const;
export type HostileMode = (typeof HOSTILE_MODES)[number];

export function isHostileMode(value: string): value is HostileMode {
  return (HOSTILE_MODES as readonly string[]).includes(value);
}

/** What a capacity mode puts in place of each kind's volume. */
export const HOSTILE_VOLUMES: Partial<Record<HostileMode, unknown>> = {
  'capacity-flood': 1e12,
  'capacity-negative': -5,
  'capacity-string': 'lots',
};

/** The capacities a hostile axon offers when given none. */
export const DEFAULT_HOSTILE_CAPACITY = Object.freeze({
  Completion: Object.freeze({ volume: 2, models: ['tiny-llm'], loras: [] }),
});

/** Size of the `huge` answer, in bytes (about). */
export const HUGE_ANSWER_BYTES = 200 * 1024 * 1024;
