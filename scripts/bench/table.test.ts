import { describe, expect, it } from 'vitest';
import type { BenchRow } from './row';
import {
  type BenchOutcome,
  formatCores,
  formatJson,
  formatNumber,
  formatSummary,
  formatTable,
  notesOf,
  summarizeRow,
  wrapText,
} from './table';

/** A rate: 381k against 128k rows/s is 381 / 128 = 2.977 times better. */
const rate: BenchRow = {
  group: 'xgboost',
  path: 'rows/s, shipped reward model (150 trees)',
  unit: 'rows/s',
  higherIsBetter: true,
  ours: { label: 'compiled evaluator', samples: [381_000, 370_000, 390_000], cores: 1 },
  reference: {
    label: 'libxgboost 3.2.0, in-place dense',
    samples: [128_000, 131_000, 125_000],
    cores: 1,
  },
};
/** A time: 98.7 ms against 41.2 ms is 98.7 / 41.2 = 2.396 times better, goal 2x met. */
const time: BenchRow = {
  group: 'image hashes',
  path: 'decode + 4 hashes, 1024² PNG',
  unit: 'ms',
  higherIsBetter: false,
  ours: { label: 'ours', samples: [41.2, 45.3, 40.1] },
  reference: { label: 'imagehash 4.3.2 + Pillow', samples: [98.7, 95.2, 101] },
  goal: { ratio: 2 },
};
const noReference: BenchRow = {
  group: 'diffusion',
  path: 'text-to-image, 4 steps',
  unit: 's',
  higherIsBetter: false,
  ours: { label: 'ours', samples: [0.512, 0.498, 0.53] },
  reference: null,
  note: 'no reference runs this pipeline',
};
/** Even sample counts: medians 61.5 and 98.5, so 98.5 / 61.5 = 1.60x, short of 2x. */
const missed: BenchRow = {
  group: 'image hashes',
  path: 'hashes only',
  unit: 'ms',
  higherIsBetter: false,
  ours: { label: 'ours', samples: [60, 62, 70, 61] },
  reference: { label: 'imagehash 4.3.2 + Pillow', samples: [98, 99] },
  goal: { ratio: 2 },
};
const rows = [
  summarizeRow(rate, '@subnet/scoring xgboost.bench.ts'),
  summarizeRow(time, '@subnet/inference imageHashes.bench.ts'),
  summarizeRow(noReference, '@subnet/inference diffusion.bench.ts'),
  summarizeRow(missed, '@subnet/inference imageHashes.bench.ts'),
];

describe('summarizeRow', () => {
  it('computes min, median, max of each side, the ratio and the goal', () => {
    const [r, t, n, m] = rows;
    expect(r?.ours).toMatchObject({ min: 370_000, median: 381_000, max: 390_000 });
    expect(r?.ratio).toBeCloseTo(381 / 128, 12);
    expect(r?.goalMet).toBe(null);
    expect(t?.reference).toMatchObject({ min: 95.2, median: 98.7, max: 101 });
    expect(t?.ratio).toBeCloseTo(98.7 / 41.2, 12);
    expect(t?.goalMet).toBe(true);
    expect(n?.reference).toBe(null);
    expect(n?.ratio).toBe(null);
    expect(n?.goalMet).toBe(null);
    expect(m?.ours.median).toBe(61.5);
    expect(m?.reference?.median).toBe(98.5);
    expect(m?.ratio).toBeCloseTo(98.5 / 61.5, 12);
    expect(m?.goalMet).toBe(false);
  });

  it('leaves a goal unjudged without a reference', () => {
    const row = summarizeRow({ ...noReference, goal: { ratio: 3 } }, 'b');
    expect(row.goalMet).toBe(null);
  });
});

describe('formatNumber', () => {
  it('keeps three significant digits, with k and M for large figures', () => {
    expect(
      [0, 0.012345, 0.5, 1.234, 12.345, 123.45, 9999, 12_345, 999_999, 1_234_567].map(formatNumber),
    ).toEqual(['0', '0.0123', '0.500', '1.23', '12.3', '123', '9999', '12.3k', '1M', '1.23M']);
  });
});

describe('formatCores and notesOf', () => {
  it('gives cores per side, ours alone without a reference', () => {
    expect(formatCores(summarizeRow(rate, 'b'))).toBe('1/1');
    expect(
      formatCores(summarizeRow({ ...rate, reference: { label: 'C', samples: [1] } }, 'b')),
    ).toBe('1/-');
    expect(
      formatCores(summarizeRow({ ...noReference, ours: { ...noReference.ours, cores: 2 } }, 'b')),
    ).toBe('2');
    expect(formatCores(summarizeRow(time, 'b'))).toBe('');
  });

  it('leads the note with what ours was, without saying ours twice', () => {
    expect(notesOf(summarizeRow(rate, 'b'))).toBe('ours: compiled evaluator.');
    const fast = { ...rate, ours: { label: 'ours, fast decode', samples: [1] }, note: 'n.' };
    expect(notesOf(summarizeRow(fast, 'b'))).toBe('ours, fast decode. n.');
    expect(notesOf(summarizeRow(noReference, 'b'))).toBe('no reference runs this pipeline');
  });
});

describe('wrapText', () => {
  it('breaks at spaces, and inside a word only when the word is wider than the column', () => {
    expect(wrapText('imagehash 4.3.2 + Pillow', 14)).toEqual(['imagehash', '4.3.2 + Pillow']);
    expect(wrapText('abcdefghij k', 4)).toEqual(['abcd', 'efgh', 'ij k']);
    expect(wrapText('', 5)).toEqual(['']);
  });
});

describe('formatTable', () => {
  it('prints one line per row under its group when the width allows, notes below', () => {
    expect(formatTable(rows, 200)).toBe(
      [
        '  path                                      unit         ours min/med/max  reference                            ref min/med/max  x better  goal         cores  note',
        '-------------------------------------------------------------------------------------------------------------------------------------------------------------------',
        'xgboost',
        '  rows/s, shipped reward model (150 trees)  rows/s     370k / 381k / 390k  libxgboost 3.2.0, in-place dense  125k / 128k / 131k     2.98x               1/1    [1]',
        'image hashes',
        '  decode + 4 hashes, 1024² PNG              ms         40.1 / 41.2 / 45.3  imagehash 4.3.2 + Pillow           95.2 / 98.7 / 101     2.40x  ≥ 2x met',
        '  hashes only                               ms         60.0 / 61.5 / 70.0  imagehash 4.3.2 + Pillow          98.0 / 98.5 / 99.0     1.60x  ≥ 2x MISSED',
        'diffusion',
        '  text-to-image, 4 steps                    s       0.498 / 0.512 / 0.530  (none)                                             -         -                      [2]',
        '',
        '[1] ours: compiled evaluator.',
        '[2] no reference runs this pipeline',
      ].join('\n'),
    );
  });

  it('wraps the path and the reference label, down to their minimum widths (16 and 14)', () => {
    expect(formatTable(rows.slice(0, 2), 100)).toBe(
      [
        '  path              unit      ours min/med/max  reference          ref min/med/max  x better  goal      cores  note',
        '-------------------------------------------------------------------------------------------------------------------',
        'xgboost',
        '  rows/s, shipped   rows/s  370k / 381k / 390k  libxgboost      125k / 128k / 131k     2.98x            1/1    [1]',
        '  reward model                                  3.2.0,',
        '  (150 trees)                                   in-place dense',
        'image hashes',
        '  decode + 4        ms      40.1 / 41.2 / 45.3  imagehash        95.2 / 98.7 / 101     2.40x  ≥ 2x met',
        '  hashes, 1024²                                 4.3.2 + Pillow',
        '  PNG',
        '',
        '[1] ours: compiled evaluator.',
      ].join('\n'),
    );
  });

  it('says so when there are no rows', () => {
    expect(formatTable([], 120)).toBe('No bench rows were collected.');
  });
});

describe('formatSummary', () => {
  const outcomes: BenchOutcome[] = [
    { bench: '@subnet/scoring xgboost.bench.ts', status: 'ok', seconds: 40, rows: 1 },
    {
      bench: '@subnet/inference torch.bench.ts',
      status: 'skipped',
      reason: '.venv-export is missing',
      seconds: 1,
      rows: 0,
    },
    {
      bench: '@subnet/validator period.bench.ts',
      status: 'failed',
      reason: 'exit code 1',
      seconds: 3,
      rows: 0,
    },
  ];

  it('names the missed goals and the benches that did not run', () => {
    expect(formatSummary(rows, outcomes)).toBe(
      [
        'Goals: 1 met, 1 missed.',
        '  missed: image hashes / hashes only: 1.60x, goal ≥ 2x',
        'Benches: 1 ran, 1 skipped, 1 failed.',
        '  skipped: @subnet/inference torch.bench.ts: .venv-export is missing',
        '  failed: @subnet/validator period.bench.ts: exit code 1',
      ].join('\n'),
    );
  });

  it('is short when every goal is met and every bench ran', () => {
    expect(formatSummary(rows.slice(0, 2), outcomes.slice(0, 1))).toBe(
      'Goals: all 1 met.\nBenches: 1 ran, 0 skipped, 0 failed.',
    );
  });
});

describe('formatJson', () => {
  it('prints the rows with their computed figures and how each bench ended', () => {
    const parsed = JSON.parse(formatJson(rows.slice(3), [])) as {
      rows: Record<string, unknown>[];
      benches: unknown[];
    };
    expect(parsed.benches).toEqual([]);
    expect(parsed.rows[0]).toEqual({
      bench: '@subnet/inference imageHashes.bench.ts',
      group: 'image hashes',
      path: 'hashes only',
      unit: 'ms',
      higherIsBetter: false,
      ours: { label: 'ours', samples: [60, 62, 70, 61], min: 60, median: 61.5, max: 70 },
      reference: {
        label: 'imagehash 4.3.2 + Pillow',
        samples: [98, 99],
        min: 98,
        median: 98.5,
        max: 99,
      },
      goal: { ratio: 2 },
      ratio: 98.5 / 61.5,
      goalMet: false,
    });
  });
});
