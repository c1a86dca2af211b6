/**
 * Small pieces the validator's tests share: a logger whose JSON lines land in an array, the
 * weights a uid has on chain, and a metagraph neuron serving on loopback.
 */
import type { Neuron } from '@subnet/chain';
import type { Devnet } from '@subnet/chain/devnet';
import pino, { type Logger } from 'pino';

export function captureLogger(lines: Array<Record<string, unknown>>): Logger {
  return pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
}

/** SubtensorModule.Weights of `uid`, read from the chain's storage. */
export async function chainWeights(
  devnet: Devnet,
  netuid: number,
  uid: number,
): Promise<{ uids: number[]; values: number[] }> {
  const query = devnet.api.query.subtensorModule?.weights;
  if (!query) throw new Error('the runtime has no SubtensorModule.Weights');
  const rows = (await query(netuid, uid)).toJSON() as Array<[number, number]>;
  return { uids: rows.map((r) => r[0]), values: rows.map((r) => r[1]) };
}

/** A neuron whose axon listens on 127.0.0.1:`port`. */
export function loopbackNeuron(
  uid: number,
  hotkey: string,
  port: number,
  validatorPermit = false,
): Neuron {
  return {
    uid,
    hotkey,
    coldkey: hotkey,
    stake: 0n,
    validatorPermit,
    active: true,
    axon: { ip: '127.0.0.1', port, ipType: 4, protocol: 4, version: 0, block: 1 },
    lastUpdate: 0,
    incentive: 0,
    dividends: 0,
    consensus: 0,
    trust: 0,
    validatorTrust: 0,
    rank: 0,
    emission: 0n,
  } as Neuron;
}
