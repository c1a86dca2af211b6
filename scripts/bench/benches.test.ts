import { describe, expect, it } from 'vitest';
import { type Bench, benchFileOf, groupsIn, selectBenches, splitScript } from './benches';

describe('splitScript', () => {
  it('runs each command of a plain && chain as its own bench', () => {
    expect(splitScript('tsx bench/llm.bench.ts && tsx bench/torch.bench.ts')).toEqual([
      'tsx bench/llm.bench.ts',
      'tsx bench/torch.bench.ts',
    ]);
  });

  it('keeps a script with other shell syntax whole', () => {
    expect(splitScript("tsx a.ts && echo 'x' | cat")).toEqual(["tsx a.ts && echo 'x' | cat"]);
    expect(splitScript('tsx a.ts || true')).toEqual(['tsx a.ts || true']);
  });
});

describe('benchFileOf', () => {
  it('names the last script file of a command', () => {
    expect(benchFileOf('tsx bench/period.bench.ts')).toBe('bench/period.bench.ts');
    expect(benchFileOf('node --import tsx bench/a.mts --size 3')).toBe('bench/a.mts');
    expect(benchFileOf('make bench')).toBe(undefined);
  });
});

describe('groupsIn', () => {
  it('reads each group literal of a bench once, in order', () => {
    const source = `emitRow({ group: 'llm', path: 'a' });\nemitRow({ group: "image hashes" });\nemitRow({ group: 'llm' });`;
    expect(groupsIn(source)).toEqual(['llm', 'image hashes']);
  });
});

describe('selectBenches', () => {
  const bench = (pkg: string, name: string, groups: string[]): Bench => ({
    pkg,
    dir: `/repo/packages/${pkg.replace('@subnet/', '')}`,
    name,
    command: `tsx bench/${name}`,
    groups,
  });
  const all = [
    bench('@subnet/inference', 'llm.bench.ts', ['llm']),
    bench('@subnet/inference', 'torch.bench.ts', ['llm', 'diffusion']),
    bench('@subnet/scoring', 'xgboost.bench.ts', ['xgboost']),
  ];
  const picked = (only: string[]) => {
    const { selected, unmatched } = selectBenches(all, only);
    return {
      selected: selected.map((s) => [s.bench.name, s.groups && [...s.groups]]),
      unmatched,
    };
  };

  it('takes everything without --only', () => {
    expect(picked([]).selected).toHaveLength(3);
  });

  it('takes a package by full or short name, all its rows', () => {
    expect(picked(['@subnet/scoring'])).toEqual({
      selected: [['xgboost.bench.ts', null]],
      unmatched: [],
    });
    expect(picked(['Inference']).selected).toEqual([
      ['llm.bench.ts', null],
      ['torch.bench.ts', null],
    ]);
  });

  it('takes a bench by file, with or without .bench.ts', () => {
    expect(picked(['torch']).selected).toEqual([['torch.bench.ts', null]]);
    expect(picked(['torch.bench.ts']).selected).toEqual([['torch.bench.ts', null]]);
  });

  it('takes a group from every bench that reports it, keeping only that group', () => {
    expect(picked(['diffusion']).selected).toEqual([['torch.bench.ts', ['diffusion']]]);
    // `xgboost` names a bench file, so the whole bench runs.
    expect(picked(['xgboost']).selected).toEqual([['xgboost.bench.ts', null]]);
  });

  it('reports names that match nothing', () => {
    expect(picked(['scoring', 'nope'])).toEqual({
      selected: [['xgboost.bench.ts', null]],
      unmatched: ['nope'],
    });
  });
});
