import { describe, expect, it } from 'vitest';
import { sparkline } from './sparkline';

const points = (svg: string) => /points="([^"]*)"/.exec(svg)?.[1];

describe('sparkline', () => {
  it('places each score by its period in the window, 0 at the bottom and 1 at the top', () => {
    // Width 120 with 2 of padding: x = 2 + i × 116 / 3; height 24: y = 22 - score × 20.
    const svg = sparkline(
      'Chat',
      [
        { period: 40, score: 0 },
        { period: 41, score: 0.5 },
        { period: 43, score: 1 },
      ],
      [40, 41, 42, 43],
    );
    expect(points(svg)).toBe('2.0,22.0 40.7,12.0 118.0,2.0');
    expect(svg).toContain('<circle cx="118.0" cy="2.0" r="2" fill="#0969da"/>');
    expect(svg).toContain('<title>Chat score by period: 40 0.0000, 41 0.5000, 43 1.0000</title>');
  });

  it('clamps scores outside [0, 1], centres a lone period, and draws nothing without points', () => {
    expect(points(sparkline('x', [{ period: 9, score: 1.7 }], [9]))).toBe('60.0,2.0');
    expect(points(sparkline('x', [{ period: 9, score: -3 }], [8, 9]))).toBe('118.0,22.0');
    const empty = sparkline('x', [], []);
    expect(points(empty)).toBe('');
    expect(empty).not.toContain('<circle');
  });

  it('escapes the label', () => {
    const svg = sparkline('<b>"kind"</b>', [], []);
    expect(svg).toContain('&lt;b&gt;&quot;kind&quot;&lt;/b&gt; score by period: none');
    expect(svg).not.toContain('<b>');
  });
});
