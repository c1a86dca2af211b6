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
  kit: [],
  protocol: [],
  chain: ['protocol', 'kit'],
  inference: ['protocol', 'kit'],
  scoring: ['protocol'],
  miner: ['protocol', 'chain', 'inference', 'kit'],
  validator: ['protocol', 'chain', 'inference', 'scoring', 'kit'],
};

const packages = readdirSync(join(ROOT, 'packages')).filter((p) =>
  existsSync(join(ROOT, 'packages', p, 'package.json')),
);

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    // node_modules and cargo's build folder (packages/protocol/native/sr25519/target) are not ours
    if (statSync(full).isDirectory())
      return name === 'node_modules' || name === 'target' ? [] : sourceFiles(full);
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
          // A package's benches report in the repo's one bench-row format (scripts/bench/row.ts,
          // which `pnpm bench` collects); nothing else of the package may reach outside it.
          const benchRow =
            file.startsWith(join(ROOT, 'packages', pkg, 'bench') + sep) &&
            target === join(ROOT, 'scripts', 'bench', 'row');
          const inside = benchRow || target.startsWith(join(ROOT, 'packages', pkg) + sep);
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

/**
 * Checking by reproduction works only while miner and validator map a task synapse to the same
 * inference call. That mapping has one definition, `@subnet/inference/tasks`: neither daemon calls
 * a diffusion pipeline method, reads a task field through a cast, or builds a generate request
 * itself, and both import the shared mapping.
 */
describe('the synapse → inference request mapping is defined once', () => {
  const DAEMONS = ['miner', 'validator'] as const;
  const PIPELINE_CALL = /\.(textToImage|imageToImage|inpaint|controlNet)\s*\(/g;
  const TASK_FIELD =
    'prompt|negative_prompt|messages|seed|steps|cfg_scale|width|height|lora|max_tokens|' +
    'temperature|top_p|top_k|top_logprobs|stop|image_strength|conditioning_scale|init_image|' +
    'mask_image|control_image|image|image_b64s|model';
  // A field read cast to a value type (`s.seed as number`, `s.stop as string[]`), not a schema's.
  const CAST_READ = new RegExp(
    `\\.(${TASK_FIELD})\\s+as\\s+(string|number|boolean|never|\\{)`,
    'g',
  );
  // Keys only a GenerateRequest / ScoreRequest has: a daemon that writes them builds one itself.
  const REQUEST_KEY = /\b(topP|adapter)\s*:/g;
  const lines = (text: string, re: RegExp) =>
    [...text.matchAll(re)].map((m) => text.slice(0, m.index).split('\n').length);

  for (const pkg of DAEMONS) {
    const files = sourceFiles(join(ROOT, 'packages', pkg, 'src')).filter(
      (f) => !/\.test\.ts$/.test(f),
    );

    it(`${pkg}/src calls no diffusion pipeline method itself`, () => {
      const found = files.flatMap((file) =>
        lines(readFileSync(file, 'utf8'), PIPELINE_CALL).map((line) => `${file}:${line}`),
      );
      expect(found).toEqual([]);
    });

    it(`${pkg}/src reads no task field through a cast (e.g. \`s.prompt as string\`)`, () => {
      const found = files.flatMap((file) =>
        lines(readFileSync(file, 'utf8'), CAST_READ).map((line) => `${file}:${line}`),
      );
      expect(found).toEqual([]);
    });

    it(`${pkg}/src builds no LLM request itself (no topP: or adapter: keys)`, () => {
      const found = files.flatMap((file) =>
        lines(readFileSync(file, 'utf8'), REQUEST_KEY).map((line) => `${file}:${line}`),
      );
      expect(found).toEqual([]);
    });

    it(`${pkg}/src imports the shared mapping from @subnet/inference/tasks`, () => {
      const importers = files.filter((file) =>
        /from\s+['"]@subnet\/inference\/tasks['"]/.test(readFileSync(file, 'utf8')),
      );
      expect(importers.length).toBeGreaterThan(0);
    });
  }
});

describe('onnxruntime is loaded one way', () => {
  it('through packages/inference/src/runtime/ort.ts only (it keeps float16 data as bits on Node 24)', () => {
    const ortModule = join(ROOT, 'packages', 'inference', 'src', 'runtime', 'ort.ts');
    const direct = packages
      .flatMap((p) => sourceFiles(join(ROOT, 'packages', p)))
      .filter((f) => f !== ortModule)
      .filter((f) => /from\s+['"]onnxruntime-node['"]/.test(readFileSync(f, 'utf8')));
    expect(direct).toEqual([]);
  });
});
