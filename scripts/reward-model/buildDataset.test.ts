import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CSV_HEADER, sceneRows } from './buildDataset.js';

const committed = readFileSync(new URL('./data/pairs.csv', import.meta.url), 'utf8')
  .trim()
  .split('\n');

describe('buildDataset', () => {
  it('reproduces the committed CSV rows of a scene (the dataset is deterministic)', async () => {
    expect(committed[0]).toBe(CSV_HEADER);
    const rows = await sceneRows(7);
    expect(rows).toEqual(committed.filter((line) => line.startsWith('7,')));
    expect(rows.map((r) => r.split(',')[2])).toEqual([
      '1',
      '1',
      '1',
      '1',
      '1',
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
    ]);
  });
});
