import { describe, expect, it } from 'vitest';
import { compareChainWeights } from './compareChainWeights';
import type { WeightsStatus } from './readStatus';

const SELF = { hotkey: 'hk0', uid: 0 };
const at = (lastUpdate: number) => [{ uid: 0, hotkey: 'hk0', validatorPermit: true, lastUpdate }];
const stored = (over: Partial<WeightsStatus>): WeightsStatus => ({
  id: 1,
  mode: 'set',
  path: 'set',
  mecid: 0,
  state: 'set',
  revealRound: null,
  block: 110,
  revealAfterBlock: null,
  revealedBlock: null,
  versionKey: 0,
  error: null,
  createdMs: 0,
  updatedMs: 0,
  entries: [],
  ...over,
});

describe('compareChainWeights', () => {
  it('matches when the chain last took weights at the block of our newest setting', () => {
    expect(
      compareChainWeights({ neurons: at(110), self: SELF, block: 123, current: stored({}) }),
    ).toEqual({
      lastUpdate: 110,
      blocksAgo: 13,
      agreement: 'matches',
      text: 'matches: the chain last took weights from us at block 110, where our newest weights were set',
    });
    const revealed = stored({
      mode: 'commit',
      path: 'commit_hash',
      state: 'revealed',
      block: 100,
      revealedBlock: 112,
    });
    expect(
      compareChainWeights({ neurons: at(112), self: SELF, block: 120, current: revealed }).text,
    ).toBe(
      'matches: the chain last took weights from us at block 112, where our newest weights were revealed',
    );
  });

  it('says when the chain holds a later or an earlier update than the newest stored', () => {
    expect(
      compareChainWeights({ neurons: at(130), self: SELF, block: 131, current: stored({}) }),
    ).toMatchObject({
      agreement: 'chain_newer',
      text: 'the chain last took weights from us at block 130, after our newest stored weights (block 110): weights set elsewhere with this hotkey',
    });
    const timelocked = stored({ mode: 'commit', path: 'commit_timelocked', state: 'timelocked' });
    expect(
      compareChainWeights({ neurons: at(130), self: SELF, block: 131, current: timelocked }).text,
    ).toBe(
      'the chain last took weights from us at block 130, after our newest stored weights (block 110): the chain revealing our timelocked commit, or weights set elsewhere with this hotkey',
    );
    expect(
      compareChainWeights({ neurons: at(90), self: SELF, block: 131, current: stored({}) }),
    ).toMatchObject({
      agreement: 'chain_older',
      text: 'the chain last took weights from us at block 90, before our newest stored weights (block 110): the chain does not show them',
    });
  });

  it('reads what it can without stored weights, a metagraph, or a known block', () => {
    expect(compareChainWeights({ neurons: at(5), self: SELF, block: null, current: null })).toEqual(
      {
        lastUpdate: 5,
        blocksAgo: null,
        agreement: 'nothing_stored',
        text: 'the chain last took weights from our uid (or registered it) at block 5; none are stored here',
      },
    );
    expect(compareChainWeights({ self: SELF, block: 10, current: stored({}) })).toEqual({
      lastUpdate: null,
      blocksAgo: null,
      agreement: 'unknown',
      text: 'not read yet: no metagraph',
    });
    expect(
      compareChainWeights({ neurons: [], self: SELF, block: 10, current: stored({}) }).text,
    ).toBe('our hotkey is not in the newest metagraph');
    expect(
      compareChainWeights({
        neurons: at(5),
        self: SELF,
        block: 10,
        current: stored({ state: 'sending', block: null }),
      }).text,
    ).toBe(
      "our newest weights were sent and their block is still being read from the chain; the chain's last update of our uid is block 5",
    );
  });
});
