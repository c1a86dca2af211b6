/**
 * The one direction of dependencies (ARCHITECTURE.md), checked on every package's manifest and on
 * every import in its source: protocol depends on none of ours; miner and validator never import
 * each other; chain and inference never import scoring, miner or validator; scoring stays pure.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const ALLOWED: Record<string, string[]> = {
  protocol: [],
  chain: ['protocol'],
  inference: ['protocol'],
  scoring: ['protocol'],
  miner: ['protocol', 'chain', 'inference'],
  validator: ['protocol', 'chain', 'inference', 'scoring'],
};

const packages = readdirSync(join(ROOT, 'packages')).filter((p) =>
  existsSync(join(ROOT, 'packages', p, 'package.json')),
);

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(full);
    return /\.(ts|mts|js|mjs)$/.test(name) ? [full] : [];
  });
}

describe('package dependencies point one way', () => {
  it('every package is one the architecture names', () => {
    for (const p of packages) expect(Object.keys(ALLOWED)).toContain(p);
  });

  for (const pkg of packages) {
    it(`${pkg} depends only on ${ALLOWED[pkg]?.join(', ') || 'none of ours'}`, () => {
      const manifest = JSON.parse(
        readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8'),
      );
      const deps = {
        ...manifest.dependencies,
        ...manifest.devDependencies,
        ...manifest.peerDependencies,
      };
      const ours = Object.keys(deps)
        .filter((d) => d.startsWith('@subnet/'))
        .map((d) => d.slice('@subnet/'.length));
      for (const d of ours)
        expect({ pkg, dep: d, allowed: ALLOWED[pkg]?.includes(d) }).toEqual({
          pkg,
          dep: d,
          allowed: true,
        });
      for (const file of sourceFiles(join(ROOT, 'packages', pkg))) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(/from\s+['"]@subnet\/([a-z-]+)/g)) {
          expect({ file, imports: m[1], declared: ours.includes(m[1] as string) }).toEqual({
            file,
            imports: m[1],
            declared: true,
          });
        }
        for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
          const target = resolve(dirname(file), m[1] as string);
          const inside = target.startsWith(join(ROOT, 'packages', pkg) + sep);
          expect({ file, relativeImport: m[1], inside }).toEqual({
            file,
            relativeImport: m[1],
            inside: true,
          });
        }
      }
    });
  }
});
