/**
 * Which benches `pnpm bench` runs: the `bench` script of every packages/<dir>/package.json, in
 * directory order. A script that chains simple commands with `&&` (`tsx a.ts && tsx b.ts`) is run
 * as one bench per command, so one that fails does not take the rest down with it; any other
 * script runs whole.
 *
 * `--only` picks benches by package (`@subnet/scoring` or `scoring`), by bench file (`xgboost`,
 * `xgboost.bench.ts`) or by group (`xgboost`, `image hashes`): the groups a bench reports are read
 * from the `group: '…'` literals in its file, and a bench picked by group alone reports only the
 * rows of the groups asked for.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface Bench {
  /** The package name, e.g. `@subnet/inference`. */
  pkg: string;
  /** The package directory, absolute. */
  dir: string;
  /** The bench file (`llm.bench.ts`), or `bench` when the command names none. */
  name: string;
  /** The shell command, run in `dir`. */
  command: string;
  /** The groups its source names (`group: 'llm'`). */
  groups: string[];
}

/** A selected bench, and the groups to keep of its rows (null: all of them). */
export interface SelectedBench {
  bench: Bench;
  groups: Set<string> | null;
}

/** The commands of a script: split at `&&` when every part is a plain command, else the whole. */
export function splitScript(script: string): string[] {
  const parts = script.split('&&').map((p) => p.trim());
  const plain = parts.every((p) => p.length > 0 && !/[|;&<>()`$'"\\]/.test(p));
  return plain ? parts : [script.trim()];
}

/** The file a command runs: its last word that looks like a script file. */
export function benchFileOf(command: string): string | undefined {
  const words = command.split(/\s+/).filter((w) => /\.(ts|mts|js|mjs|py)$/.test(w));
  return words.at(-1);
}

/** The `group: '…'` literals of a source text, in order, once each. */
export function groupsIn(source: string): string[] {
  const found = [...source.matchAll(/\bgroup:\s*(['"`])([^'"`\n]+)\1/g)].map((m) => m[2] as string);
  return [...new Set(found)];
}

export function discoverBenches(root: string): Bench[] {
  const packagesDir = join(root, 'packages');
  const dirs = readdirSync(packagesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(packagesDir, d.name, 'package.json')))
    .map((d) => d.name)
    .sort();
  const benches: Bench[] = [];
  for (const d of dirs) {
    const dir = join(packagesDir, d);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name?: string;
      scripts?: Record<string, string>;
    };
    const script = manifest.scripts?.bench;
    if (!script) continue;
    for (const command of splitScript(script)) {
      const file = benchFileOf(command);
      const path = file === undefined ? undefined : join(dir, file);
      benches.push({
        pkg: manifest.name ?? d,
        dir,
        name: file === undefined ? 'bench' : basename(file),
        command,
        groups: path && existsSync(path) ? groupsIn(readFileSync(path, 'utf8')) : [],
      });
    }
  }
  return benches;
}

export function benchLabel(bench: Bench): string {
  return `${bench.pkg} ${bench.name}`;
}

const norm = (s: string) => s.trim().toLowerCase();

function namesOf(bench: Bench): string[] {
  const short = bench.pkg.replace(/^@[^/]+\//, '');
  const file = bench.name.replace(/\.(ts|mts|js|mjs|py)$/, '');
  return [
    bench.pkg,
    short,
    basename(bench.dir),
    bench.name,
    file,
    file.replace(/\.bench$/, ''),
  ].map(norm);
}

/**
 * The benches `--only` asks for (all of them for an empty list), and the names that matched
 * nothing (the caller refuses those).
 */
export function selectBenches(
  benches: readonly Bench[],
  only: readonly string[],
): { selected: SelectedBench[]; unmatched: string[] } {
  const wanted = only.map(norm).filter((w) => w.length > 0);
  if (wanted.length === 0)
    return { selected: benches.map((bench) => ({ bench, groups: null })), unmatched: [] };
  const matched = new Set<string>();
  const selected: SelectedBench[] = [];
  for (const bench of benches) {
    const names = namesOf(bench);
    const byName = wanted.filter((w) => names.includes(w));
    const byGroup = bench.groups.filter((g) => wanted.includes(norm(g)));
    for (const w of byName) matched.add(w);
    for (const g of byGroup) matched.add(norm(g));
    if (byName.length > 0) selected.push({ bench, groups: null });
    else if (byGroup.length > 0) selected.push({ bench, groups: new Set(byGroup) });
  }
  return { selected, unmatched: wanted.filter((w) => !matched.has(w)) };
}
