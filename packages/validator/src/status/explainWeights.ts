/**
 * Why each uid gets the weight it gets, in numbers and in words, from the same period rows and
 * the same formula as the weight setter (`weightsFromPeriod` over every uid in storage):
 *
 * - a kind's score: `quality × (wq + wh × head-to-head + ws × speed + wv × volume) / (wq + wh + ws
 *   + wv)`, 0 when quality is not positive (`taskScore`); quality is the moving average times the
 *   share of its queries the miner answered in the period;
 * - a uid's part: over the kinds, the kind's share of emissions times its score over the kind's
 *   total (every uid's score on the kind summed);
 * - its weight: part^k over the sum of every uid's part^k (`sharpenExponent` k).
 *
 * The chain package then quantises the weights to u16 (max-upscaled, capped by the subnet's max
 * weight), which the page shows next to them as what was set.
 */
import {
  DEFAULT_SCORING_CONFIG,
  type TaskScores,
  taskScore,
  type WeightConfig,
} from '@subnet/scoring';
import type { MovingScore, PeriodScore } from '../storage/scoresRepo';
import { taskScoresFromPeriod, weightsFromPeriod } from '../weights/scoresToWeights';
import type { Weighting } from './statusSource';

/** One kind of task in a uid's weight. */
export interface KindPart {
  taskKind: string;
  /** The kind's share of emissions, normalised over the period's kinds. */
  share: number;
  /** The uid's score on the kind (`taskScore`). */
  score: number;
  /** Every uid's score on the kind, summed. */
  kindTotal: number;
  quality: number;
  headToHead: number;
  speed: number;
  volume: number;
  /** Share of its queries answered in the period; null where the row does not say. */
  reliability: number | null;
  /** The uid's moving average on the kind now, and how many periods it folds in. */
  average: number | null;
  periods: number | null;
}

export interface WeightExplanation {
  period: number;
  /** The weight the setter computes from the period's scores (all uids' sum to 1, or all 0). */
  weight: number;
  /** Before sharpening: the sum over kinds of share × score / kind total. */
  part: number;
  /** The sharpening exponent k: weight ∝ part^k. */
  exponent: number;
  kinds: KindPart[];
  /** The same, in words: one line per step. */
  reason: string[];
}

export interface ExplainOptions {
  period: number;
  /** The period's rows. */
  rows: readonly PeriodScore[];
  /** Every uid the weights are computed over (the setter's: all uids in storage). */
  uids: readonly number[];
  /** The moving scores now. */
  moving: readonly MovingScore[];
  weighting?: Weighting | undefined;
}

const SAME = 1e-9;

function n4(x: number): string {
  return x.toFixed(4);
}

/** `100%`, `50%`, `33.33%`. */
function percent(x: number): string {
  return `${Number((x * 100).toFixed(2))}%`;
}

function periods(n: number | null): string {
  return n === 1 ? '1 period' : `${n} periods`;
}

function scoreLine(k: KindPart, c: WeightConfig): string {
  if (!(k.quality > 0)) {
    return `${k.taskKind} 0: quality ${n4(k.quality)} is not positive, so the kind pays nothing`;
  }
  const total = c.qualityWeight + c.headToHeadWeight + c.speedWeight + c.volumeWeight;
  const sum =
    `${c.qualityWeight} + ${c.headToHeadWeight} × head-to-head ${n4(k.headToHead)}` +
    ` + ${c.speedWeight} × speed ${n4(k.speed)} + ${c.volumeWeight} × volume ${n4(k.volume)}`;
  const over = Math.abs(total - 1) > SAME ? ` / ${total}` : '';
  return `${k.taskKind} ${n4(k.score)} = quality ${n4(k.quality)} × (${sum})${over}`;
}

function qualityLine(k: KindPart, period: number): string | undefined {
  const answered =
    k.reliability === null ? '' : `answered ${percent(k.reliability)} of its queries`;
  if (k.average !== null && k.reliability !== null) {
    if (Math.abs(k.average * k.reliability - k.quality) <= SAME) {
      return `quality ${n4(k.quality)} = moving average ${n4(k.average)} over ${periods(k.periods)} × answered ${percent(k.reliability)}`;
    }
    return `quality ${n4(k.quality)}: ${answered} in period ${period}; moving average now ${n4(k.average)} over ${periods(k.periods)}`;
  }
  if (k.reliability !== null) return `quality ${n4(k.quality)}: ${answered}`;
  return undefined;
}

function partLine(part: number, kinds: readonly KindPart[]): string {
  const terms = kinds.map((k) => {
    const head = `${k.taskKind} (${percent(k.share)} of emissions)`;
    return k.kindTotal > 0
      ? `${head}: ${n4(k.score)} of the kind's total ${n4(k.kindTotal)}`
      : `${head}: nobody scored above 0`;
  });
  return `part ${n4(part)} = ${terms.join(' + ')}`;
}

function reasonOf(e: Omit<WeightExplanation, 'reason'>, c: WeightConfig, all0: boolean): string[] {
  const head = `weight ${n4(e.weight)} from period ${e.period}`;
  if (e.kinds.length === 0) return [`${head}: no score in that period`];
  if (all0) return [`${head}: no uid earned anything in that period`];
  const lines = [
    `${head} = part ${n4(e.part)}^${e.exponent} / the sum of every uid's part^${e.exponent}`,
    partLine(e.part, e.kinds),
  ];
  for (const k of e.kinds) {
    lines.push(scoreLine(k, c));
    const q = k.quality > 0 ? qualityLine(k, e.period) : undefined;
    if (q) lines.push(q);
  }
  return lines;
}

/** The explanation of the weight of every uid in `uids`. */
export function explainWeights(options: ExplainOptions): Map<number, WeightExplanation> {
  const config = options.weighting?.config ?? DEFAULT_SCORING_CONFIG.weights;
  const shares = options.weighting?.taskShares ?? {};
  const { period, rows, uids } = options;
  const scored = weightsFromPeriod(period, rows, uids, {
    taskShares: shares,
    weightConfig: config,
  });
  const tasks: TaskScores[] = taskScoresFromPeriod(rows, uids, shares);
  const taskTotal = tasks.reduce((s, t) => s + Math.max(0, t.weight), 0);
  const all0 = scored.weights.every((w) => w === 0);
  const key = (uid: number, kind: string) => `${uid}/${kind}`;
  const rowOf = new Map(rows.map((r) => [key(r.uid, r.taskKind), r]));
  const movingOf = new Map(options.moving.map((m) => [key(m.uid, m.taskKind), m]));
  const kinds = new Map<number, KindPart[]>();
  for (const task of tasks) {
    const share = task.weight > 0 && taskTotal > 0 ? task.weight / taskTotal : 0;
    const scores = task.miners.map((m) => taskScore(m, config));
    const kindTotal = scores.reduce((a, b) => a + b, 0);
    task.miners.forEach((m, i) => {
      const row = rowOf.get(key(m.uid, task.task));
      const moving = movingOf.get(key(m.uid, task.task));
      const avg = moving && moving.hotkey === row?.hotkey ? moving : undefined;
      const list = kinds.get(m.uid) ?? [];
      list.push({
        taskKind: task.task,
        share,
        score: scores[i] as number,
        kindTotal,
        quality: m.quality,
        headToHead: m.headToHead,
        speed: m.speed,
        volume: m.volume,
        reliability: row?.components.reliability ?? null,
        average: avg?.score ?? null,
        periods: avg?.samples ?? null,
      });
      kinds.set(m.uid, list);
    });
  }
  const out = new Map<number, WeightExplanation>();
  scored.uids.forEach((uid, i) => {
    const own = kinds.get(uid) ?? [];
    const part = own.reduce(
      (s, k) => (k.kindTotal > 0 ? s + (k.share * k.score) / k.kindTotal : s),
      0,
    );
    const e = {
      period,
      weight: scored.weights[i] ?? 0,
      part,
      exponent: config.sharpenExponent,
      kinds: own,
    };
    out.set(uid, { ...e, reason: reasonOf(e, config, all0) });
  });
  return out;
}
