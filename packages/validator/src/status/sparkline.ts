/**
 * A score trend as a small inline SVG (no script, no external asset): one point per period the
 * score exists for, placed by the period's place in the window (oldest left), from 0 (bottom) to
 * 1 (top), scores outside [0, 1] drawn at the edge. The newest point is marked with a dot, so a
 * one-point trend still shows; the title lists the values.
 */
import { escapeHtml as e } from './escapeHtml';

export interface TrendPoint {
  period: number;
  score: number;
}

export const SPARKLINE = { width: 120, height: 24, pad: 2 } as const;

const coord = (v: number) => v.toFixed(1);

export function sparkline(
  label: string,
  points: readonly TrendPoint[],
  window: readonly number[],
): string {
  const { width, height, pad } = SPARKLINE;
  const place = new Map(window.map((p, i) => [p, i]));
  const xy = points.flatMap((p) => {
    const i = place.get(p.period);
    if (i === undefined) return [];
    const x = window.length > 1 ? pad + (i * (width - 2 * pad)) / (window.length - 1) : width / 2;
    const s = Math.min(1, Math.max(0, Number.isFinite(p.score) ? p.score : 0));
    return [[coord(x), coord(height - pad - s * (height - 2 * pad))] as const];
  });
  const values = points.map((p) => `${p.period} ${p.score.toFixed(4)}`).join(', ');
  const title = `${label} score by period: ${values || 'none'}`;
  const last = xy[xy.length - 1];
  return (
    `<svg class="sparkline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${e(title)}">` +
    `<title>${e(title)}</title>` +
    `<line x1="0" y1="${height - pad}" x2="${width}" y2="${height - pad}" stroke="#d0d7de" stroke-width="1"/>` +
    `<polyline fill="none" stroke="#0969da" stroke-width="1.5" points="${e(xy.map(([x, y]) => `${x},${y}`).join(' '))}"/>` +
    (last ? `<circle cx="${e(last[0])}" cy="${e(last[1])}" r="2" fill="#0969da"/>` : '') +
    '</svg>'
  );
}
