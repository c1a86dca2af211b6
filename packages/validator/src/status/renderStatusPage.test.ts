import { describe, expect, it } from 'vitest';
import type { ValidatorStatus, WeightsStatus } from './readStatus';
import { formatTime, renderStatusPage, shortHotkey, weightsStateText } from './renderStatusPage';

const weights = (over: Partial<WeightsStatus>): WeightsStatus => ({
  id: 1,
  mode: 'set',
  path: 'set',
  mecid: 0,
  state: 'set',
  revealRound: null,
  block: 10,
  revealAfterBlock: null,
  revealedBlock: null,
  versionKey: 0,
  error: null,
  createdMs: 0,
  updatedMs: 0,
  entries: [{ uid: 4, weight: 65_535, share: 1 }],
  ...over,
});

const empty: ValidatorStatus = {
  generatedMs: 0,
  validator: { hotkey: 'hk', uid: null, netuid: 1 },
  chain: { endpoint: null, block: null, metagraphUpdatedMs: null },
  periods: { lastHandled: null, lastScored: null },
  miners: [],
  weights: { current: null, lastFailure: null, pendingCommits: 0 },
};

describe('renderStatusPage', () => {
  it('names each commit-reveal state', () => {
    expect(weightsStateText(weights({}))).toBe('set');
    expect(weightsStateText(weights({ mode: 'commit', state: 'committed' }))).toBe(
      'committed, reveal pending',
    );
    expect(
      weightsStateText(weights({ mode: 'commit', state: 'revealed', revealedBlock: 130 })),
    ).toBe('revealed at block 130');
    expect(weightsStateText(weights({ state: 'failed', error: 'no permit' }))).toBe(
      'failed: no permit',
    );
    expect(weightsStateText(weights({ state: 'sending', block: null }))).toBe(
      'sent, outcome being read from the chain',
    );
    expect(
      weightsStateText(
        weights({
          mode: 'commit',
          path: 'commit_timelocked',
          state: 'timelocked',
          revealRound: 31_337,
        }),
      ),
    ).toBe('committed, timelocked to drand round 31337; the chain reveals it');
  });

  it('shortens long hotkeys only, and prints times in UTC', () => {
    expect(shortHotkey('5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty')).toBe('5FHneW46…94ty');
    expect(shortHotkey('short-hotkey')).toBe('short-hotkey');
    expect(formatTime(0)).toBe('1970-01-01 00:00:00 UTC');
    expect(formatTime(null)).toBe('—');
  });

  it('says so when there are no miners or weights yet, and refreshes only when asked', () => {
    const html = renderStatusPage(empty);
    expect(html).toContain('<p id="no-miners" class="muted">No miners in storage yet.</p>');
    expect(html).toContain('<p id="no-weights" class="muted">No weights set yet.</p>');
    expect(html).toContain('<dd data-field="uid">—</dd>');
    expect(html).not.toContain('http-equiv="refresh"');
    expect(renderStatusPage(empty, { refreshSeconds: 15 })).toContain(
      '<meta http-equiv="refresh" content="15">',
    );
  });
});
