import { describe, expect, it } from 'vitest';
import type { MinerStatus, ValidatorStatus, WeightsStatus } from './readStatus';
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
  periods: { lastHandled: null, lastScored: null, recent: [] },
  miners: [],
  notMiners: [],
  weights: {
    current: null,
    lastFailure: null,
    pendingCommits: 0,
    chain: {
      lastUpdate: null,
      blocksAgo: null,
      agreement: 'unknown',
      text: 'not read yet: no metagraph',
    },
  },
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

  it('lists only miners, with the weight and why, a trend per kind, and the rest apart', () => {
    const hostile = `<img src=x onerror="alert(1)">`;
    const miner = (uid: number, hotkey: string, over: Partial<MinerStatus> = {}): MinerStatus => ({
      uid,
      hotkey,
      sinceMs: 0,
      lastScores: [],
      capacity: null,
      movingScores: [],
      weight: null,
      setWeight: null,
      trend: [],
      lastResults: [],
      ...over,
    });
    const reason = [
      "weight 0.5404 from period 42 = part 0.5202^2 / the sum of every uid's part^2",
      'quality 0.9000 = moving average 0.9000 over 30 periods × answered 100%',
    ];
    const status: ValidatorStatus = {
      ...empty,
      validator: { hotkey: 'hk0', uid: 0, netuid: 1 },
      periods: { lastHandled: 42, lastScored: 42, recent: [41, 42] },
      miners: [
        miner(1, 'hk1', {
          weight: { period: 42, weight: 0.54039, part: 0.5202, exponent: 2, kinds: [], reason },
          setWeight: { weight: 65_535, share: 0.5404 },
          trend: [
            {
              taskKind: 'TextToImage',
              points: [
                { period: 41, score: 0.5 },
                { period: 42, score: 0.81 },
              ],
            },
          ],
        }),
        miner(2, hostile),
      ],
      notMiners: [
        {
          uid: 0,
          hotkey: 'hk0',
          role: 'self',
          label: 'this validator',
          why: 'our hotkey',
          lastUpdate: 110,
        },
        {
          uid: 3,
          hotkey: 'hk3',
          role: 'owner',
          label: 'subnet owner',
          why: "the subnet owner's hotkey",
          lastUpdate: null,
        },
      ],
    };
    const html = renderStatusPage(status);
    const minersTable = html.slice(html.indexOf('<table id="miners">'), html.indexOf('</table>'));
    expect([...minersTable.matchAll(/<tr data-uid="(\d+)">/g)].map((m) => m[1])).toEqual([
      '1',
      '2',
    ]);
    expect(html).toContain('<h2>Miners (2)</h2>');
    expect(html).toContain('<h2>Not miners (2)</h2>');
    expect(html).toContain(
      '<tr data-uid="0" data-role="self"><td class="uid">0</td><td class="hotkey" title="hk0">hk0</td>' +
        '<td class="role">this validator</td><td class="why">our hotkey</td><td class="last-update">110</td></tr>',
    );
    expect(html).toContain(
      `<td class="role">subnet owner</td><td class="why">the subnet owner&#39;s hotkey</td><td class="last-update">—</td>`,
    );
    expect(html).toContain(
      '<td class="weight"><span class="computed">0.5404</span> <span class="muted">set on chain:</span> ' +
        '<span class="set">54.04%</span> <span class="muted">(u16 65535)</span><ul class="reason">' +
        '<li>weight 0.5404 from period 42 = part 0.5202^2 / the sum of every uid&#39;s part^2</li>' +
        '<li>quality 0.9000 = moving average 0.9000 over 30 periods × answered 100%</li></ul></td>',
    );
    expect(html).toContain(
      '<td class="weight"><span class="computed">—</span><ul class="reason"><li>no scored period yet</li></ul></td>',
    );
    // One polyline per kind, a point per period it was scored in.
    expect(html).toContain(
      '<li data-kind="TextToImage"><span class="kind">TextToImage</span> <svg class="sparkline"',
    );
    expect(html).toContain('points="2.0,12.0 118.0,5.8"');
    expect(html).toContain('periods 41–42, 2 scored; 0 to 1');
    // The hostile hotkey is text, in the cell and in the attribute.
    expect(html).toContain('title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"');
    expect(html).not.toContain('<img');
  });

  it('shows the chain’s view of our weights', () => {
    const html = renderStatusPage({
      ...empty,
      weights: {
        ...empty.weights,
        chain: { lastUpdate: 110, blocksAgo: 13, agreement: 'matches', text: 'matches: <same>' },
      },
    });
    expect(html).toContain('<dd data-field="chain-last-update">block 110 (13 blocks ago)</dd>');
    expect(html).toContain('<dd data-field="chain-agreement">matches: &lt;same&gt;</dd>');
    expect(renderStatusPage(empty)).toContain('<dd data-field="chain-last-update">—</dd>');
    expect(renderStatusPage(empty)).toContain(
      '<p id="no-not-miners" class="muted">None known.</p>',
    );
  });
});
