import type { ApiPromise } from '@polkadot/api';
import type { ApiDecoration } from '@polkadot/api/types';
import type { Codec } from '@polkadot/types/types';
import { compactStripLength } from '@polkadot/util';
import { intToIp } from './axonIp.js';
import { maybeStorage, storage } from './client/pallet.js';
import type { RuntimeAdapter } from './client/runtimeAdapter.js';
import { ChainError, ChainErrorCode } from './errors.js';

export interface AxonInfo {
  /** Dotted IPv4 or compressed IPv6; `0.0.0.0` when never served. */
  ip: string;
  port: number;
  /** 4, 6, or 0 when never served. */
  ipType: number;
  protocol: number;
  version: number;
  /** Block at which it was served (0 when never). */
  block: number;
}

export interface Neuron {
  uid: number;
  hotkey: string;
  coldkey: string;
  /** Stake on this subnet, in rao of the subnet's alpha (`TotalHotkeyAlpha`). */
  stake: bigint;
  validatorPermit: boolean;
  active: boolean;
  axon: AxonInfo;
  /** Block of the neuron's last weights (or registration). */
  lastUpdate: number;
  /** Normalized to [0, 1] (u16 / 65535), like the SDK's metagraph. */
  incentive: number;
  dividends: number;
  consensus: number;
  trust: number;
  validatorTrust: number;
  rank: number;
  /** Emission per tempo, in rao. */
  emission: bigint;
}

/** A snapshot of one subnet at one block. */
export interface Metagraph {
  netuid: number;
  block: number;
  blockHash: string;
  /** Number of neurons (uids 0..n-1). */
  n: number;
  /** Indexed by uid. */
  neurons: Neuron[];
  /** Which path produced it: the runtime API, or storage reads. */
  source: 'runtime' | 'storage';
}

/** Looks a hotkey up in a snapshot. */
export function neuronByHotkey(mg: Metagraph, hotkey: string): Neuron | undefined {
  return mg.neurons.find((n) => n.hotkey === hotkey);
}

const U16 = 65535;
const NO_AXON: AxonInfo = { ip: '0.0.0.0', port: 0, ipType: 0, protocol: 0, version: 0, block: 0 };

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.startsWith('0x') ? Number(BigInt(v)) : Number(v);
  return Number(v ?? 0);
}
function big(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string') return BigInt(v);
  return 0n;
}

function axonFromJson(j: unknown): AxonInfo {
  if (!j || typeof j !== 'object') return { ...NO_AXON };
  const o = j as Record<string, unknown>;
  const ipType = num(o.ipType ?? o.ip_type);
  return {
    ip: intToIp(big(o.ip), ipType),
    port: num(o.port),
    ipType,
    protocol: num(o.protocol),
    version: num(o.version),
    block: num(o.block),
  };
}

/** Reads the metagraph from storage items, all at one block. */
export async function metagraphFromStorage(
  api: ApiPromise,
  netuid: number,
  blockHash?: string,
): Promise<Metagraph> {
  const hash = blockHash ?? (await api.rpc.chain.getBlockHash()).toHex();
  const at: ApiDecoration<'promise'> = await api.at(hash);
  const header = await api.rpc.chain.getHeader(hash);
  const exists = (await maybeStorage(at, 'networksAdded')?.(netuid))?.toJSON();
  if (exists === false) {
    throw new ChainError(ChainErrorCode.InvalidArgument, `subnet ${netuid} does not exist`);
  }
  const n = num((await storage(at, 'subnetworkN')(netuid)).toJSON());
  const keyEntries = await storage(at, 'keys').entries(netuid);
  const hotkeys: string[] = new Array(n).fill('');
  for (const [key, value] of keyEntries) {
    const uid = num(key.args[1]?.toJSON());
    if (uid < n) hotkeys[uid] = value.toString();
  }
  const [coldkeys, stakes, axons, vecs] = await Promise.all([
    storage(at, 'owner').multi(hotkeys),
    storage(at, 'totalHotkeyAlpha').multi(hotkeys.map((h) => [h, netuid])),
    storage(at, 'axons').multi(hotkeys.map((h) => [netuid, h])),
    Promise.all(
      [
        'validatorPermit',
        'active',
        'lastUpdate',
        'incentive',
        'dividends',
        'consensus',
        'trust',
        'validatorTrust',
        'rank',
        'emission',
      ].map(async (k) => (await maybeStorage(at, k)?.(netuid))?.toJSON() as unknown[] | undefined),
    ),
  ]);
  const [
    permit,
    active,
    lastUpdate,
    incentive,
    dividends,
    consensus,
    trust,
    vtrust,
    rank,
    emission,
  ] = vecs;
  const neurons: Neuron[] = hotkeys.map((hotkey, uid) => ({
    uid,
    hotkey,
    coldkey: coldkeys[uid]?.toString() ?? '',
    stake: big(stakes[uid]?.toJSON()),
    validatorPermit: Boolean(permit?.[uid]),
    active: Boolean(active?.[uid]),
    axon: axonFromJson(axons[uid]?.toJSON()),
    lastUpdate: num(lastUpdate?.[uid]),
    incentive: num(incentive?.[uid]) / U16,
    dividends: num(dividends?.[uid]) / U16,
    consensus: num(consensus?.[uid]) / U16,
    trust: num(trust?.[uid]) / U16,
    validatorTrust: num(vtrust?.[uid]) / U16,
    rank: num(rank?.[uid]) / U16,
    emission: big(emission?.[uid]),
  }));
  return {
    netuid,
    block: header.number.toNumber(),
    blockHash: hash,
    n,
    neurons,
    source: 'storage',
  };
}

/** The SCALE layout of `NeuronInfoLite` in runtimes whose API answers with bytes (spec 218). */
const LEGACY_TYPES = {
  SubnetChainAxonInfo: {
    block: 'u64',
    version: 'u32',
    ip: 'u128',
    port: 'u16',
    ipType: 'u8',
    protocol: 'u8',
    placeholder1: 'u8',
    placeholder2: 'u8',
  },
  SubnetChainPrometheusInfo: {
    block: 'u64',
    version: 'u32',
    ip: 'u128',
    port: 'u16',
    ipType: 'u8',
  },
  SubnetChainNeuronInfoLite: {
    hotkey: 'AccountId32',
    coldkey: 'AccountId32',
    uid: 'Compact<u16>',
    netuid: 'Compact<u16>',
    active: 'bool',
    axonInfo: 'SubnetChainAxonInfo',
    prometheusInfo: 'SubnetChainPrometheusInfo',
    stake: 'Vec<(AccountId32, Compact<u64>)>',
    rank: 'Compact<u16>',
    emission: 'Compact<u64>',
    incentive: 'Compact<u16>',
    consensus: 'Compact<u16>',
    trust: 'Compact<u16>',
    validatorTrust: 'Compact<u16>',
    dividends: 'Compact<u16>',
    lastUpdate: 'Compact<u64>',
    validatorPermit: 'bool',
    pruningScore: 'Compact<u16>',
  },
};

/** Reads the metagraph through `NeuronInfoRuntimeApi.get_neurons_lite` in one call. */
export async function metagraphFromRuntimeApi(
  api: ApiPromise,
  adapter: RuntimeAdapter,
  netuid: number,
  blockHash?: string,
): Promise<Metagraph> {
  if (adapter.neuronsLite === 'none') {
    throw new ChainError(
      ChainErrorCode.Unsupported,
      'this runtime has no NeuronInfoRuntimeApi.get_neurons_lite',
    );
  }
  const hash = blockHash ?? (await api.rpc.chain.getBlockHash()).toHex();
  const at = await api.at(hash);
  const header = await api.rpc.chain.getHeader(hash);
  const raw = await (
    at.call as unknown as { neuronInfoRuntimeApi: { getNeuronsLite(n: number): Promise<Codec> } }
  ).neuronInfoRuntimeApi.getNeuronsLite(netuid);
  let list: unknown[];
  if (adapter.neuronsLite === 'bytes') {
    api.registry.register(LEGACY_TYPES);
    // The runtime function returns the encoded list as a Vec<u8>, which the API encodes again:
    // strip both length prefixes.
    const [, inner] = compactStripLength(raw.toU8a(true));
    list = api.registry.createType('Vec<SubnetChainNeuronInfoLite>', inner).toJSON() as unknown[];
  } else {
    list = raw.toJSON() as unknown[];
  }
  const stakes = await storage(at, 'totalHotkeyAlpha').multi(
    list.map((j) => [(j as Record<string, unknown>).hotkey, netuid]),
  );
  const neurons: Neuron[] = list.map((j, i) => {
    const o = j as Record<string, unknown>;
    return {
      uid: num(o.uid),
      hotkey: String(o.hotkey),
      coldkey: String(o.coldkey),
      stake: big(stakes[i]?.toJSON()),
      validatorPermit: Boolean(o.validatorPermit),
      active: Boolean(o.active),
      axon: axonFromJson(o.axonInfo),
      lastUpdate: num(o.lastUpdate),
      incentive: num(o.incentive) / U16,
      dividends: num(o.dividends) / U16,
      consensus: num(o.consensus) / U16,
      trust: num(o.trust) / U16,
      validatorTrust: num(o.validatorTrust) / U16,
      rank: num(o.rank) / U16,
      emission: big(o.emission),
    };
  });
  neurons.sort((a, b) => a.uid - b.uid);
  return {
    netuid,
    block: header.number.toNumber(),
    blockHash: hash,
    n: neurons.length,
    neurons,
    source: 'runtime',
  };
}
