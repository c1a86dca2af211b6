import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChainError } from '../errors.js';
import {
  DEVNET_RUNTIMES,
  findRepoRoot,
  PINNED_CHAIN_SPEC,
  PINNED_CHAIN_SPECS,
  pinnedChainSpecOf,
  resolveChainSpec,
  sha256Hex,
} from './chainSpec.js';

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
    expect(await resolveChainSpec({ env: {}, repoRoot: root, runtime: 'spec218' })).toBe(shared);
  });

  it("picks each runtime's own pinned file, and the environment over any of them", async () => {
    const root = join(tmp, 'two', 'main');
    const dir = join(tmp, 'two', 'shared', 'subtensor');
    mkdirSync(root, { recursive: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'raonet.json'), '{}');
    writeFileSync(join(dir, 'aura-dev-spec293.json'), '{}');
    expect(await resolveChainSpec({ env: {}, repoRoot: root, runtime: 'spec218' })).toBe(
      join(dir, 'raonet.json'),
    );
    expect(await resolveChainSpec({ env: {}, repoRoot: root, runtime: 'spec293' })).toBe(
      join(dir, 'aura-dev-spec293.json'),
    );
    const own = join(tmp, 'own.json');
    writeFileSync(own, '{}');
    expect(
      await resolveChainSpec({
        env: { SUBTENSOR_CHAIN_SPEC: own },
        repoRoot: root,
        runtime: 'spec293',
      }),
    ).toBe(own);
    const unknown = await resolveChainSpec({
      env: {},
      repoRoot: root,
      runtime: 'spec9' as never,
    }).catch((e) => e);
    expect(unknown.code).toBe('CHAIN_INVALID_ARGUMENT');
    expect(unknown.message).toBe('unknown devnet runtime spec9; expected one of spec218, spec293');
  });

  it('pins both runtimes by content, and knows a pinned spec by its sha256', () => {
    expect(DEVNET_RUNTIMES).toEqual(['spec218', 'spec293']);
    expect(PINNED_CHAIN_SPEC).toBe(PINNED_CHAIN_SPECS.spec218);
    expect(PINNED_CHAIN_SPECS.spec293).toEqual({
      url: 'https://raw.githubusercontent.com/opentensor/subtensor/f59e608b2128586215ea396156a1d04b14724888/aura-dev.json',
      sha256: 'c321edb119707219b5f3fe602ad2f3180cd9e4492dbceee16e46b54a1facba2d',
      fileName: 'aura-dev-spec293.json',
      format: 'plain',
      slotMs: 1000,
    });
    expect(pinnedChainSpecOf(PINNED_CHAIN_SPECS.spec293.sha256)).toBe(PINNED_CHAIN_SPECS.spec293);
    expect(pinnedChainSpecOf('00'.repeat(32))).toBeUndefined();
  });

  const sharedSpec293 = join(
    findRepoRoot() ?? '.',
    '..',
    'shared',
    'subtensor',
    PINNED_CHAIN_SPECS.spec293.fileName,
  );

  it.skipIf(!existsSync(sharedSpec293))(
    'downloads spec 293 only with its pinned sha256, into a cache file named for it',
    async () => {
      const root = join(tmp, 'offline');
      mkdirSync(root, { recursive: true });
      const cacheDir = join(tmp, 'cache293');
      const body = '{"plain":"not the pinned bytes"}';
      const pinned = PINNED_CHAIN_SPECS.spec293;
      const refused = await resolveChainSpec({
        env: {},
        repoRoot: root,
        cacheDir,
        runtime: 'spec293',
        fetchImpl: fakeFetch(body),
      }).catch((e) => e);
      expect(refused.message).toBe(
        `downloaded chain spec has sha256 ${sha256Hex(new TextEncoder().encode(body))}, expected ${pinned.sha256}; refusing it`,
      );
      const real = readFileSync(sharedSpec293);
      const cached = join(cacheDir, `aura-dev-spec293-${pinned.sha256.slice(0, 16)}.json`);
      expect(
        await resolveChainSpec({
          env: {},
          repoRoot: root,
          cacheDir,
          runtime: 'spec293',
          fetchImpl: fakeFetch(real.toString('utf8')),
        }),
      ).toBe(cached);
      expect(sha256Hex(readFileSync(cached))).toBe(pinned.sha256);
      // Now cached: found without a download.
      expect(
        await resolveChainSpec({
          env: {},
          repoRoot: root,
          cacheDir,
          runtime: 'spec293',
          download: false,
        }),
      ).toBe(cached);
    },
  );

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
