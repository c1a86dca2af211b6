/**
 * What the axon benches agree on: the dev keys (`@subnet/protocol/testing`) of the axon, of the
 * one registered validator that calls it and of a key that is not registered, and the capacity
 * the axon answers that validator with. The Python peers use the same: python_axon.py signs as
 * //Ferdie and answers python_capacity.py's BENCH_CAPACITIES, python_fanout.py calls as //Alice.
 */
import type { DevKeyName } from '@subnet/protocol/testing';

export const AXON_KEY: DevKeyName = 'ferdie';
export const CALLER_KEY: DevKeyName = 'alice';
export const STRANGER_KEY: DevKeyName = 'bob';

/** The served TextToImage capacity; the sole validator's share of it is all of it. */
export const BENCH_CAPACITY = { volume: 100, models: ['sdxl'], loras: [] as string[] };
