/**
 * A metagraph without a chain for the period bench: uid 0 is the validator (permit, stake, no
 * axon), uids 1..n the given miners served at `host`. Every other figure is a plausible zero.
 */
import type { AxonInfo, Metagraph, Neuron } from '@subnet/chain';

const NO_AXON: AxonInfo = { ip: '0.0.0.0', port: 0, ipType: 0, protocol: 0, version: 0, block: 0 };

function neuron(uid: number, hotkey: string, axon: AxonInfo, validator: boolean): Neuron {
  return {
    uid,
    hotkey,
    // Coldkeys are not read by the work loop; each neuron owns itself.
    coldkey: hotkey,
    stake: validator ? 1_000_000_000_000n : 0n,
    validatorPermit: validator,
    active: true,
    axon,
    lastUpdate: 0,
    incentive: 0,
    dividends: 0,
    consensus: 0,
    trust: 0,
    validatorTrust: 0,
    rank: 0,
    emission: 0n,
  };
}

export function benchMetagraph(o: {
  validator: string;
  host: string;
  miners: readonly { port: number; hotkey: string }[];
  block: number;
}): Metagraph {
  const neurons = [
    neuron(0, o.validator, NO_AXON, true),
    ...o.miners.map((m, i) =>
      neuron(
        i + 1,
        m.hotkey,
        { ip: o.host, port: m.port, ipType: 4, protocol: 4, version: 0, block: 0 },
        false,
      ),
    ),
  ];
  return {
    netuid: 1,
    block: o.block,
    blockHash: `0x${'00'.repeat(32)}`,
    n: neurons.length,
    neurons,
    source: 'storage',
  };
}
