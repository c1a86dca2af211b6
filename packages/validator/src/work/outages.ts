/**
 * The validator's own outages. When the validator's network is down, every miner it asks fails
 * at once (unreachable: 503, or no answer in time: 408), which on its own would read as every
 * miner failing and zero them all. A period's synthetic results are cut into windows of
 * `windowMs` by start time; a window in which no query succeeded and at least `minMiners`
 * distinct miners failed, every failure of them unreachable or timed out, is the validator's
 * outage: its results are excused (not scored). A window with one success is not an outage, so a
 * miner that hangs is not excused while any other miner answers next to it; a miner that refuses
 * (4xx) or errs (5xx) shows the network worked, so such a window is not excused either.
 */
import { StatusCode } from '@subnet/protocol';
import type { ResultTiming } from '../storage/index';

const NETWORK_FAILURES: ReadonlySet<number> = new Set([StatusCode.Unavailable, StatusCode.Timeout]);

export interface OutageOptions {
  /** Width of a window, ms. */
  windowMs: number;
  /** Fewest distinct miners failing in a window for it to be an outage (default 2). */
  minMiners?: number;
}

export interface Outage {
  fromMs: number;
  toMs: number;
  /** The miners that failed in it. */
  uids: number[];
  /** The results excused. */
  ids: number[];
}

/** The outage windows among results sorted or not; pure. */
export function findOutages(rows: readonly ResultTiming[], options: OutageOptions): Outage[] {
  if (!(options.windowMs > 0) || rows.length === 0) return [];
  const minMiners = Math.max(2, options.minMiners ?? 2);
  const start = Math.min(...rows.map((r) => r.startedMs));
  const windows = new Map<number, ResultTiming[]>();
  for (const r of rows) {
    const w = Math.floor((r.startedMs - start) / options.windowMs);
    const list = windows.get(w);
    if (list) list.push(r);
    else windows.set(w, [r]);
  }
  const outages: Outage[] = [];
  for (const [w, list] of [...windows].sort((a, b) => a[0] - b[0])) {
    if (!list.every((r) => NETWORK_FAILURES.has(r.statusCode))) continue;
    const uids = [...new Set(list.map((r) => r.uid))].sort((a, b) => a - b);
    if (uids.length < minMiners) continue;
    const fromMs = start + w * options.windowMs;
    outages.push({
      fromMs,
      toMs: fromMs + options.windowMs,
      uids,
      ids: list.map((r) => r.id).sort((a, b) => a - b),
    });
  }
  return outages;
}
