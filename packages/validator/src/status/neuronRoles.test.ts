import { describe, expect, it } from 'vitest';
import { permitHolders, type RoleFacts, roleOf } from './neuronRoles';
import type { NeuronView } from './statusSource';

const neuron = (uid: number, validatorPermit: boolean): NeuronView => ({
  uid,
  hotkey: `hk${uid}`,
  validatorPermit,
  lastUpdate: 100 + uid,
});
const m = (uid: number, hotkey = `hk${uid}`) => ({ uid, hotkey });

// uid 0 us, 1 the owner, 2 and 3 hold permits (3 answers work), 4 a plain miner.
const neurons = [
  neuron(0, true),
  neuron(1, true),
  neuron(2, true),
  neuron(3, true),
  neuron(4, false),
];
const facts: RoleFacts = {
  selfHotkey: 'hk0',
  ownerHotkey: 'hk1',
  neurons,
  answered: new Set([3, 4]),
};

describe('neuron roles', () => {
  it('marks us, the owner and permit holders that never answered; everyone else is a miner', () => {
    expect([0, 1, 2, 3, 4].map((uid) => roleOf(m(uid), facts))).toEqual([
      'self',
      'owner',
      'validator',
      undefined,
      undefined,
    ]);
  });

  it('asks storage only about permit holders other than us and the owner', () => {
    expect(
      permitHolders(
        [0, 1, 2, 3, 4].map((uid) => m(uid)),
        facts,
      ),
    ).toEqual([2, 3]);
  });

  it('matches neurons by uid and hotkey: a uid taken by a new hotkey is not the old permit holder', () => {
    expect(roleOf(m(2, 'hk-new'), facts)).toBeUndefined();
    expect(permitHolders([m(2, 'hk-new')], facts)).toEqual([]);
  });

  it('without a metagraph knows only our hotkey and the owner’s', () => {
    const bare: RoleFacts = { selfHotkey: 'hk0', answered: new Set() };
    expect([0, 1, 2].map((uid) => roleOf(m(uid), bare))).toEqual(['self', undefined, undefined]);
    expect(roleOf(m(1), { ...bare, ownerHotkey: 'hk1' })).toBe('owner');
  });
});
