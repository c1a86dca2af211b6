/**
 * The status page: one server-rendered HTML document with inline CSS and inline SVG trends, no
 * scripts and no external assets. Every value goes through `escapeHtml`, hotkeys and error reasons
 * included (they come from miners). Elements carry `id`/`data-field` names so tools (and the
 * browser test) can read it.
 */
import type { ScoreComponents } from '../storage/scoresRepo';
import { escapeHtml as e } from './escapeHtml';
import type {
  MinerStatus,
  NotMinerStatus,
  ResultStatus,
  ValidatorStatus,
  WeightsStatus,
} from './readStatus';
import { sparkline } from './sparkline';

export interface RenderOptions {
  /** Seconds between reloads (meta refresh); 0 or undefined for none. */
  refreshSeconds?: number;
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#fafbfc}
h1{font-size:1.4rem;margin:0 0 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem;margin:0}
dt{color:#57606a}dd{margin:0;font-family:ui-monospace,monospace}
table{border-collapse:collapse;background:#fff}
th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f0f3f6}td{font-family:ui-monospace,monospace}
ul{list-style:none;margin:0;padding:0}.failed{color:#b42318}.ok{color:#1a7f37}
.muted{color:#57606a}td.weight{min-width:24rem;max-width:40rem}
.reason{font-size:12px;color:#57606a}.reason li{margin:.1rem 0}
svg.sparkline{vertical-align:middle}#chain-weights{margin-bottom:.6rem}`;

/** `5GrwvaEF…utQY`-style: enough to tell hotkeys apart; the full one is in the title. */
export function shortHotkey(hotkey: string): string {
  return hotkey.length > 14 ? `${hotkey.slice(0, 8)}…${hotkey.slice(-4)}` : hotkey;
}

/** `2026-09-21 12:53:20 UTC`. */
export function formatTime(ms: number | null): string {
  if (ms === null) return '—';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function formatScore(score: number): string {
  return score.toFixed(4);
}

function value(v: string | number | null): string {
  return v === null ? '—' : e(v);
}

function field(name: string, label: string, v: string | number | null): string {
  return `<dt>${e(label)}</dt><dd data-field="${e(name)}">${value(v)}</dd>`;
}

function outcomeText(r: ResultStatus): string {
  if (r.outcome === 'ok') {
    if (r.checkScore === null) return 'ok';
    const why = r.checkReason === null ? '' : ` (${r.checkReason})`;
    return `ok, check ${formatScore(r.checkScore)}${why}`;
  }
  return r.error === null ? `failed ${r.statusCode}` : `failed ${r.statusCode}: ${r.error}`;
}

function resultItem(r: ResultStatus): string {
  return (
    `<li><span class="kind">${e(r.taskKind)}${r.organic ? ' (organic)' : ''}</span> ` +
    `<span class="outcome ${r.outcome}">${e(outcomeText(r))}</span> ` +
    `<span class="when muted">${e(formatTime(r.createdMs))}</span></li>`
  );
}

function list(items: readonly string[]): string {
  return items.length === 0 ? '<span class="muted">—</span>' : `<ul>${items.join('')}</ul>`;
}

/** The parts a period score was made of, in the order they matter. */
const PARTS = ['quality', 'reliability', 'check', 'speed', 'volume', 'headToHead'] as const;

function why(components: ScoreComponents): string {
  return PARTS.flatMap((p) => {
    const v = components[p];
    return v === undefined ? [] : [`${p} ${formatScore(v)}`];
  }).join(', ');
}

function capacityText(c: MinerStatus['capacity']): string {
  if (!c) return '—';
  const volumes = Object.entries(c.volumes)
    .map(([kind, v]) => `${kind} ${v}`)
    .join(', ');
  const head = c.accepted ? volumes || 'nothing offered' : 'refused';
  return c.reason ? `${head} (${c.reason})` : head;
}

function weightCell(m: MinerStatus): string {
  const set = m.setWeight
    ? ` <span class="muted">set on chain:</span> <span class="set">${e(
        `${(m.setWeight.share * 100).toFixed(2)}%`,
      )}</span> <span class="muted">(u16 ${e(m.setWeight.weight)})</span>`
    : '';
  if (!m.weight) {
    return `<span class="computed">—</span>${set}<ul class="reason"><li>no scored period yet</li></ul>`;
  }
  const reason = m.weight.reason.map((line) => `<li>${e(line)}</li>`).join('');
  return `<span class="computed">${e(formatScore(m.weight.weight))}</span>${set}<ul class="reason">${reason}</ul>`;
}

function trendCell(m: MinerStatus, window: readonly number[]): string {
  return list(
    m.trend.map(
      (t) =>
        `<li data-kind="${e(t.taskKind)}"><span class="kind">${e(t.taskKind)}</span> ${sparkline(
          t.taskKind,
          t.points,
          window,
        )}</li>`,
    ),
  );
}

function minerRow(m: MinerStatus, window: readonly number[]): string {
  const last = m.lastScores.map(
    (s) =>
      `<li>${e(s.taskKind)} ${e(formatScore(s.score))} <span class="why muted">${e(why(s.components))}</span></li>`,
  );
  const moving = m.movingScores.map(
    (s) => `<li>${e(s.taskKind)} ${e(formatScore(s.score))} (n=${e(s.samples)})</li>`,
  );
  return (
    `<tr data-uid="${e(m.uid)}"><td class="uid">${e(m.uid)}</td>` +
    `<td class="hotkey" title="${e(m.hotkey)}">${e(shortHotkey(m.hotkey))}</td>` +
    `<td class="weight">${weightCell(m)}</td>` +
    `<td class="last-score">${list(last)}</td><td class="moving">${list(moving)}</td>` +
    `<td class="trend">${trendCell(m, window)}</td>` +
    `<td class="capacity">${e(capacityText(m.capacity))}</td>` +
    `<td class="results">${list(m.lastResults.map(resultItem))}</td></tr>`
  );
}

function minersSection(status: ValidatorStatus): string {
  const { miners } = status;
  if (miners.length === 0) return '<p id="no-miners" class="muted">No miners in storage yet.</p>';
  const recent = status.periods.recent;
  const span =
    recent.length === 0
      ? 'no period scored yet'
      : `periods ${recent[0]}–${recent[recent.length - 1]}, ${recent.length} scored`;
  return (
    '<table id="miners"><thead><tr><th>uid</th><th>hotkey</th><th>weight, and why</th>' +
    '<th>last score</th><th>moving average</th>' +
    `<th>trend <span class="muted">(${e(span)}; 0 to 1)</span></th>` +
    '<th>capacity</th><th>last results</th></tr></thead>' +
    `<tbody>${miners.map((m) => minerRow(m, recent)).join('')}</tbody></table>`
  );
}

function notMinerRow(n: NotMinerStatus): string {
  return (
    `<tr data-uid="${e(n.uid)}" data-role="${e(n.role)}"><td class="uid">${e(n.uid)}</td>` +
    `<td class="hotkey" title="${e(n.hotkey)}">${e(shortHotkey(n.hotkey))}</td>` +
    `<td class="role">${e(n.label)}</td><td class="why">${e(n.why)}</td>` +
    `<td class="last-update">${value(n.lastUpdate)}</td></tr>`
  );
}

function notMinersSection(notMiners: readonly NotMinerStatus[]): string {
  if (notMiners.length === 0) return '<p id="no-not-miners" class="muted">None known.</p>';
  return (
    '<p class="muted">Neurons that are not miners: not scored as miners, not in the table above.</p>' +
    '<table id="not-miners"><thead><tr><th>uid</th><th>hotkey</th><th>role</th><th>why</th>' +
    '<th>last update (chain)</th></tr></thead>' +
    `<tbody>${notMiners.map(notMinerRow).join('')}</tbody></table>`
  );
}

export function weightsStateText(w: WeightsStatus): string {
  switch (w.state) {
    case 'sending':
      return 'sent, outcome being read from the chain';
    case 'set':
      return 'set';
    case 'timelocked':
      return `committed, timelocked to drand round ${w.revealRound ?? '?'}; the chain reveals it`;
    case 'committed':
      return w.revealAfterBlock === null
        ? 'committed, reveal pending'
        : `committed, reveal after block ${w.revealAfterBlock}`;
    case 'revealed':
      return w.revealedBlock === null ? 'revealed' : `revealed at block ${w.revealedBlock}`;
    case 'failed':
      return w.error === null ? 'failed' : `failed: ${w.error}`;
  }
}

function chainSection(status: ValidatorStatus): string {
  const { chain } = status.weights;
  const ago = chain.blocksAgo === null ? '' : ` (${chain.blocksAgo} blocks ago)`;
  return (
    '<dl id="chain-weights">' +
    field(
      'chain-last-update',
      'Our last update on chain',
      chain.lastUpdate === null ? null : `block ${chain.lastUpdate}${ago}`,
    ) +
    field('chain-agreement', 'Chain against stored', chain.text) +
    '</dl>'
  );
}

function weightsSection(status: ValidatorStatus): string {
  const { current, lastFailure, pendingCommits } = status.weights;
  const failure = lastFailure
    ? `<p data-field="weights-failure" class="failed">The newest attempt failed (${e(
        formatTime(lastFailure.createdMs),
      )}): ${e(lastFailure.error ?? 'no reason stored')}</p>`
    : '';
  if (!current) {
    return `${failure}<p id="no-weights" class="muted">No weights set yet.</p>`;
  }
  const rows = current.entries.map(
    (w) =>
      `<tr data-uid="${e(w.uid)}"><td class="uid">${e(w.uid)}</td><td class="weight">${e(
        w.weight,
      )}</td><td class="share">${e(`${(w.share * 100).toFixed(2)}%`)}</td></tr>`,
  );
  return (
    '<dl id="weights-summary">' +
    field('weights-state', 'State', weightsStateText(current)) +
    field('weights-block', 'Block', current.block) +
    field('weights-time', 'At', formatTime(current.createdMs)) +
    field('weights-version', 'Version key', current.versionKey) +
    field('pending-commits', 'Pending commits', pendingCommits) +
    `</dl>${failure}` +
    '<table id="weights"><thead><tr><th>uid</th><th>weight (u16)</th><th>share</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

export function renderStatusPage(status: ValidatorStatus, options: RenderOptions = {}): string {
  const refresh =
    options.refreshSeconds && options.refreshSeconds > 0
      ? `<meta http-equiv="refresh" content="${e(options.refreshSeconds)}">`
      : '';
  const v = status.validator;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">${refresh}
<title>Validator ${e(v.uid ?? '')} · subnet ${e(v.netuid)}</title><style>${STYLE}</style></head>
<body><h1>Validator status</h1>
<dl id="validator">${
    field('hotkey', 'Hotkey', v.hotkey) +
    field('uid', 'Uid', v.uid) +
    field('netuid', 'Subnet', v.netuid) +
    field('endpoint', 'Chain endpoint', status.chain.endpoint) +
    field('block', 'Block', status.chain.block) +
    field('metagraph-updated', 'Metagraph stored', formatTime(status.chain.metagraphUpdatedMs)) +
    field('last-handled-period', 'Last period handled', status.periods.lastHandled) +
    field('last-scored-period', 'Last period scored', status.periods.lastScored) +
    field('generated', 'Generated', formatTime(status.generatedMs))
  }</dl>
<h2>Miners (${e(status.miners.length)})</h2>
${minersSection(status)}
<h2>Not miners (${e(status.notMiners.length)})</h2>
${notMinersSection(status.notMiners)}
<h2>Weights</h2>
${chainSection(status)}
${weightsSection(status)}
<p class="muted">Also as JSON: <a href="status.json">status.json</a> · <a href="metrics">metrics</a> · <a href="healthz">healthz</a></p>
</body></html>
`;
}
