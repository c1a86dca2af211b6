import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTask } from '@acala-network/chopsticks';
import { stringToHex, u8aToHex } from '@polkadot/util';
import { xxhashAsU8a } from '@polkadot/util-crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { findRepoRoot, PINNED_CHAIN_SPECS, sha256Hex } from './chainSpec.js';
import {
  auraSlotDuration,
  jsonMerge,
  loadRawChainSpec,
  type RawChainSpec,
  type RunTask,
} from './rawGenesis.js';

const tmp = mkdtempSync(join(tmpdir(), 'raw-genesis-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const shared = join(findRepoRoot() ?? '.', '..', 'shared', 'subtensor');
const spec293 = join(shared, PINNED_CHAIN_SPECS.spec293.fileName);
const spec218 = join(shared, PINNED_CHAIN_SPECS.spec218.fileName);
const haveSpecs = existsSync(spec293) && existsSync(spec218);
const run = runTask as unknown as RunTask;
const refuse: RunTask = async () => {
  throw new Error('no runtime call expected');
};

function key(pallet: string, item: string): string {
  return u8aToHex(new Uint8Array([...xxhashAsU8a(pallet, 128), ...xxhashAsU8a(item, 128)]));
}

describe('jsonMerge', () => {
  it('merges objects key by key and replaces everything else', () => {
    expect(
      jsonMerge(
        { sudo: { key: null }, aura: { authorities: ['a', 'b'] }, n: 1, keep: { x: 1 } },
        { sudo: { key: 'alice' }, aura: { authorities: ['c'] }, n: { now: 'object' } },
      ),
    ).toEqual({
      sudo: { key: 'alice' },
      aura: { authorities: ['c'] },
      n: { now: 'object' },
      keep: { x: 1 },
    });
  });
});

describe.skipIf(!haveSpecs)('loadRawChainSpec', () => {
  it('builds spec 293 (plain) into a raw genesis with its own runtime, once, cached by sha256', async () => {
    const cacheDir = join(tmp, 'cache');
    const loaded = await loadRawChainSpec(spec293, { cacheDir, runTask: run });
    expect(loaded.format).toBe('plain');
    expect(loaded.sha256).toBe(PINNED_CHAIN_SPECS.spec293.sha256);
    const plain = JSON.parse(readFileSync(spec293, 'utf8'));
    const top = loaded.spec.genesis.raw.top;
    // 110 keys written by GenesisBuilder_build_state, plus :code.
    expect(Object.keys(top)).toHaveLength(111);
    expect(top[stringToHex(':code')]).toBe(plain.genesis.runtimeGenesis.code);
    // The patch's sudo (//Alice's public key), merged over the preset's `null`.
    expect(top[key('Sudo', 'Key')]).toBe(
      '0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d',
    );
    expect(loaded.spec.id).toBe('bittensor');
    expect(loaded.spec.properties).toEqual({
      ss58Format: 42,
      tokenDecimals: 9,
      tokenSymbol: 'TAO',
    });

    const cached = join(cacheDir, `raw-v1-${PINNED_CHAIN_SPECS.spec293.sha256}.json`);
    expect(JSON.parse(readFileSync(cached, 'utf8'))).toEqual(loaded.spec);

    // Another plain file (one byte of difference) whose raw result is already cached: read, not built.
    const variant = join(tmp, 'variant.json');
    writeFileSync(variant, `${readFileSync(spec293, 'utf8')}\n`);
    const variantSha = sha256Hex(readFileSync(variant));
    const marked: RawChainSpec = { ...loaded.spec, name: 'from the cache' };
    writeFileSync(join(cacheDir, `raw-v1-${variantSha}.json`), JSON.stringify(marked));
    const again = await loadRawChainSpec(variant, { cacheDir, runTask: refuse });
    expect(again.spec.name).toBe('from the cache');
  });

  it('takes a raw spec as it is, and refuses a file that is neither', async () => {
    const raw = await loadRawChainSpec(spec218, { cacheDir: join(tmp, 'unused'), runTask: refuse });
    expect(raw.format).toBe('raw');
    expect(raw.sha256).toBe(PINNED_CHAIN_SPECS.spec218.sha256);
    expect(existsSync(join(tmp, 'unused'))).toBe(false);

    const neither = join(tmp, 'neither.json');
    writeFileSync(neither, '{"genesis":{}}');
    const err = await loadRawChainSpec(neither, { cacheDir: tmp, runTask: refuse }).catch((e) => e);
    expect(err.code).toBe('CHAIN_SPEC_UNAVAILABLE');
    expect(err.message).toBe(
      `${neither} is neither a raw chain spec (genesis.raw.top) nor a plain one (genesis.runtimeGenesis.code)`,
    );
  });

  it("pins each runtime's Aura slot as the runtime itself answers it", async () => {
    const cacheDir = join(tmp, 'cache');
    for (const [path, pinned] of [
      [spec218, PINNED_CHAIN_SPECS.spec218],
      [spec293, PINNED_CHAIN_SPECS.spec293],
    ] as const) {
      const { spec } = await loadRawChainSpec(path, { cacheDir, runTask: run });
      expect(await auraSlotDuration(spec, run)).toBe(pinned.slotMs);
    }
  });
});
