/**
 * What `pnpm bench` prints at the end, as pure functions of the collected rows and of how each
 * bench ended: the one table, the JSON form, and the summary of missed goals and failed benches.
 *
 * Figures are printed with three significant digits (k and M past 10 000), the ratio as "N.NNx"
 * (times better than the reference, see row.ts), a goal as "≥ Nx met" or "≥ Nx MISSED". Rows keep
 * the order they came in, gathered under their group in the order groups first appear.
 */
import { type BenchRow, type BenchSide, medianOf, ratioOf } from './row';

export interface SideSummary extends BenchSide {
  min: number;
  median: number;
  max: number;
}

/** A row as `--json` prints it: the bench that emitted it, the computed figures. */
export interface SummarizedRow extends Omit<BenchRow, 'ours' | 'reference'> {
  /** `<package> <bench file>`, e.g. `@subnet/scoring xgboost.bench.ts`. */
  bench: string;
  ours: SideSummary;
  reference: SideSummary | null;
  /** Times better than the reference (> 1 is better); null without a reference. */
  ratio: number | null;
  /** Null when the row has no goal, or no ratio to judge it by. */
  goalMet: boolean | null;
}

/** How one bench ended. `failed` covers a non-zero exit, a signal, a timeout and a bad row line. */
export interface BenchOutcome {
  bench: string;
  status: 'ok' | 'skipped' | 'failed';
  /** Why it failed or was skipped. */
  reason?: string;
  seconds: number;
  rows: number;
}

function summarizeSide(side: BenchSide): SideSummary {
  return {
    ...side,
    min: Math.min(...side.samples),
    median: medianOf(side.samples),
    max: Math.max(...side.samples),
  };
}

export function summarizeRow(row: BenchRow, bench: string): SummarizedRow {
  const ratio = ratioOf(row);
  return {
    bench,
    ...row,
    ours: summarizeSide(row.ours),
    reference:
      row.reference && row.reference.samples.length > 0 ? summarizeSide(row.reference) : null,
    ratio,
    goalMet: row.goal && ratio !== null ? ratio >= row.goal.ratio : null,
  };
}

/** Three significant digits; `k` from 10 000, `M` from 1 000 000. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1e4) {
    const rounded = Number(n.toPrecision(3));
    if (Math.abs(rounded) >= 1e6) return `${Number((rounded / 1e6).toPrecision(3))}M`;
    return `${Number((rounded / 1e3).toPrecision(3))}k`;
  }
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  if (abs === 0) return '0';
  return n.toPrecision(3);
}

/** `min / median / max`, or the one figure when there is one sample. */
export function formatSpread(side: SideSummary): string {
  if (side.samples.length === 1) return formatNumber(side.median);
  return [side.min, side.median, side.max].map(formatNumber).join(' / ');
}

export function formatRatio(ratio: number | null): string {
  if (ratio === null) return '-';
  if (ratio >= 100) return `${ratio.toFixed(0)}x`;
  if (ratio >= 10) return `${ratio.toFixed(1)}x`;
  return `${ratio.toFixed(2)}x`;
}

export function formatGoal(row: SummarizedRow): string {
  if (!row.goal) return '';
  const verdict = row.goalMet === null ? 'no ref' : row.goalMet ? 'met' : 'MISSED';
  return `≥ ${row.goal.ratio}x ${verdict}`;
}

/**
 * `ours/reference` cores, `-` for a side that does not say; ours alone without a reference;
 * empty when neither says.
 */
export function formatCores(row: SummarizedRow): string {
  const ours = row.ours.cores;
  const ref = row.reference?.cores;
  if (ours === undefined && ref === undefined) return '';
  if (!row.reference) return `${ours}`;
  return `${ours ?? '-'}/${ref ?? '-'}`;
}

/** The row's note, led by what "ours" was where the bench named it. */
export function notesOf(row: SummarizedRow): string {
  const parts: string[] = [];
  const label = row.ours.label;
  if (label !== 'ours') parts.push(/^ours\b/i.test(label) ? `${label}.` : `ours: ${label}.`);
  if (row.note) parts.push(row.note);
  return parts.join(' ');
}

interface Column {
  header: string;
  right?: boolean;
  /** Wrappable columns shrink (not below `min`) until the table fits the width. */
  min?: number;
}

const GAP = '  ';
const INDENT = '  ';

/** Splits text into lines of at most `width`, at spaces where it can, mid-word where it must. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/).filter((w) => w.length > 0)) {
    while (word.length > width) {
      if (line) lines.push(line);
      line = '';
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

/** Column widths that fit `maxWidth` where the wrappable columns can give way enough. */
function fitWidths(columns: readonly Column[], cells: readonly string[][], maxWidth: number) {
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length)),
  );
  const total = () =>
    INDENT.length + widths.reduce((a, b) => a + b, 0) + GAP.length * (columns.length - 1);
  while (total() > maxWidth) {
    let widest = -1;
    for (const [i, c] of columns.entries()) {
      const w = widths[i] as number;
      if (c.min !== undefined && w > c.min && (widest < 0 || w > (widths[widest] as number)))
        widest = i;
    }
    if (widest < 0) break;
    widths[widest] = (widths[widest] as number) - 1;
  }
  return { widths, total: total() };
}

function renderRow(columns: readonly Column[], widths: readonly number[], row: readonly string[]) {
  const wrapped = columns.map((_, i) => wrapText(row[i] ?? '', widths[i] as number));
  const height = Math.max(...wrapped.map((w) => w.length));
  return Array.from({ length: height }, (_, line) =>
    (
      INDENT +
      columns
        .map((c, i) => {
          const text = wrapped[i]?.[line] ?? '';
          const w = widths[i] as number;
          return c.right ? text.padStart(w) : text.padEnd(w);
        })
        .join(GAP)
    ).trimEnd(),
  );
}

/** Rows gathered under their group, groups in order of first appearance, rows in order within. */
export function byGroup(rows: readonly SummarizedRow[]): SummarizedRow[] {
  const groups = [...new Set(rows.map((r) => r.group))];
  return groups.flatMap((g) => rows.filter((r) => r.group === g));
}

/**
 * The table: each group a heading line, its rows indented under it (cells wrap where a label is
 * long), the goal and cores columns only where some row has one, and the notes numbered below
 * (rows with the same note share its number).
 */
export function formatTable(rows: readonly SummarizedRow[], maxWidth: number): string {
  if (rows.length === 0) return 'No bench rows were collected.';
  const ordered = byGroup(rows);
  const notes: string[] = [];
  const all: { column: Column; cell: (r: SummarizedRow) => string; shown: boolean }[] = [
    { column: { header: 'path', min: 16 }, cell: (r) => r.path, shown: true },
    { column: { header: 'unit' }, cell: (r) => r.unit, shown: true },
    {
      column: { header: 'ours min/med/max', right: true },
      cell: (r) => formatSpread(r.ours),
      shown: true,
    },
    {
      column: { header: 'reference', min: 14 },
      cell: (r) => r.reference?.label ?? '(none)',
      shown: true,
    },
    {
      column: { header: 'ref min/med/max', right: true },
      cell: (r) => (r.reference ? formatSpread(r.reference) : '-'),
      shown: true,
    },
    { column: { header: 'x better', right: true }, cell: (r) => formatRatio(r.ratio), shown: true },
    { column: { header: 'goal' }, cell: formatGoal, shown: ordered.some((r) => r.goal) },
    { column: { header: 'cores' }, cell: formatCores, shown: ordered.some((r) => formatCores(r)) },
    {
      column: { header: 'note' },
      cell: (r) => {
        const note = notesOf(r);
        if (!note) return '';
        if (!notes.includes(note)) notes.push(note);
        return `[${notes.indexOf(note) + 1}]`;
      },
      shown: ordered.some((r) => notesOf(r)),
    },
  ];
  const shown = all.filter((c) => c.shown);
  const columns = shown.map((c) => c.column);
  const cells = ordered.map((r) => shown.map((c) => c.cell(r)));
  const { widths, total } = fitWidths(columns, cells, maxWidth);
  const lines = [
    ...renderRow(
      columns,
      widths,
      columns.map((c) => c.header),
    ),
    '-'.repeat(total),
  ];
  for (const [i, row] of ordered.entries()) {
    if (row.group !== ordered[i - 1]?.group) lines.push(row.group);
    lines.push(...renderRow(columns, widths, cells[i] as string[]));
  }
  if (notes.length > 0) lines.push('');
  for (const [i, note] of notes.entries()) {
    const mark = `[${i + 1}] `;
    const body = wrapText(note, Math.max(20, Math.min(total, maxWidth) - mark.length));
    lines.push(...body.map((l, k) => `${k === 0 ? mark : ' '.repeat(mark.length)}${l}`));
  }
  return lines.join('\n');
}

/** The closing lines: goals met and missed, benches skipped and failed. */
export function formatSummary(
  rows: readonly SummarizedRow[],
  outcomes: readonly BenchOutcome[],
): string {
  const lines: string[] = [];
  const withGoal = rows.filter((r) => r.goal);
  const missed = withGoal.filter((r) => r.goalMet === false);
  const unjudged = withGoal.filter((r) => r.goalMet === null);
  const met = withGoal.length - missed.length - unjudged.length;
  if (withGoal.length === 0) lines.push('Goals: none set by these rows.');
  else if (missed.length === 0 && unjudged.length === 0) lines.push(`Goals: all ${met} met.`);
  else {
    const counts = [`${met} met`, `${missed.length} missed`];
    if (unjudged.length > 0) counts.push(`${unjudged.length} without a reference`);
    lines.push(`Goals: ${counts.join(', ')}.`);
  }
  for (const r of missed)
    lines.push(
      `  missed: ${r.group} / ${r.path}: ${formatRatio(r.ratio)}, goal ≥ ${r.goal?.ratio}x`,
    );
  for (const r of unjudged) lines.push(`  not judged (no reference): ${r.group} / ${r.path}`);
  const count = (s: BenchOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  lines.push(
    `Benches: ${count('ok')} ran, ${count('skipped')} skipped, ${count('failed')} failed.`,
  );
  for (const o of outcomes)
    if (o.status !== 'ok')
      lines.push(`  ${o.status}: ${o.bench}: ${o.reason ?? 'no reason given'}`);
  return lines.join('\n');
}

/** What `--json` prints. */
export function formatJson(
  rows: readonly SummarizedRow[],
  outcomes: readonly BenchOutcome[],
): string {
  return JSON.stringify({ rows, benches: outcomes }, null, 2);
}
