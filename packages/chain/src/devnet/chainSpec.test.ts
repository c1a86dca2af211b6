import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChainError } from '../errors.js';
import { findRepoRoot, PINNED_CHAIN_SPEC, resolveChainSpec, sha256Hex } from './chainSpec.js';

const tmp = mkdtempSync(join(tmpdir(), 'chain-spec-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function fakeFetch(body: string, status = 200): typeof fetch {
  return (async () => new Response(body, { status })) as typeof fetch;
}

describe('resolveChainSpec', () => {
  it('finds the repo root by pnpm-workspace.yaml', () => {
    const root = join(tmp, 'repo');
    mkdirSync(join(root, 'packages', 'chain', 'src'), { recursive: true });
    writeFileSync(join(root, 'pnpm-workspace.yaml'), 'packages: []\n');
    expect(findRepoRoot(join(root, 'packages', 'chain', 'src'))).toBe(root);
  });

  it('prefers SUBTENSOR_CHAIN_SPEC, and says so when it is missing', async () => {
    const spec = join(tmp, 'spec.json');
    writeFileSync(spec, '{}');
    expect(await resolveChainSpec({ env: { SUBTENSOR_CHAIN_SPEC: spec }, repoRoot: tmp })).toBe(
      spec,
    );
    const err = await resolveChainSpec({
      env: { SUBTENSOR_CHAIN_SPEC: join(tmp, 'nope.json') },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ChainError);
    expect(err.code).toBe('CHAIN_SPEC_UNAVAILABLE');
  });

  it('uses ../shared/subtensor/raonet.json beside the repo root', async () => {
    const root = join(tmp, 'clone', 'main');
    mkdirSync(root, { recursive: true });
    mkdirSync(join(tmp, 'clone', 'shared', 'subtensor'), { recursive: true });
    const shared = join(tmp, 'clone', 'shared', 'subtensor', 'raonet.json');
    writeFileSync(shared, '{}');
    expect(await resolveChainSpec({ env: {}, repoRoot: root })).toBe(shared);
  });

  it('downloads into the cache only what has the pinned sha256', async () => {
    const root = join(tmp, 'lonely');
    mkdirSync(root, { recursive: true });
    const cacheDir = join(tmp, 'cache');
    const bad = await resolveChainSpec({
      env: {},
      repoRoot: root,
      cacheDir,
      fetchImpl: fakeFetch('{"not":"it"}'),
    }).catch((e) => e);
    expect(bad.code).toBe('CHAIN_SPEC_UNAVAILABLE');
    expect(bad.message).toMatch(/refusing it/);
    const offline = await resolveChainSpec({
      env: {},
      repoRoot: root,
      cacheDir,
      fetchImpl: fakeFetch('', 503),
    }).catch((e) => e);
    expect(offline.message).toMatch(/SUBTENSOR_CHAIN_SPEC/);
    const never = await resolveChainSpec({
      env: {},
      repoRoot: root,
      cacheDir,
      download: false,
    }).catch((e) => e);
    expect(never.message).toMatch(/set SUBTENSOR_CHAIN_SPEC/);
    expect(PINNED_CHAIN_SPEC.url).toContain(PINNED_CHAIN_SPEC.fileName);
    expect(sha256Hex(new TextEncoder().encode(''))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});
