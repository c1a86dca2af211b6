/**
 * A loopback miner axon that answers signed Chat synapses with a fixed stream of tokens, built on
 * the protocol's `verifyRequest` (the validator must not import the miner package). For the test
 * that a streamed (hijacked) API reply is counted.
 */
import type { Neuron } from '@subnet/chain';
import { Chat } from '@subnet/protocol/tasks';
import { startVerifyingAxon, streamTokens } from '../../support/verifyingAxon';

export const CHAT_TOKENS = ['Hello', ',', ' world'];

export interface ChatAxon {
  neuron: Neuron;
  close(): Promise<void>;
}

export async function startChatAxon(uid: number): Promise<ChatAxon> {
  const axon = await startVerifyingAxon({
    synapses: [Chat],
    uuid: 'status-chat-axon',
    answer: (verified, res, ctx) => streamTokens(verified, res, ctx, CHAT_TOKENS, 2),
  });
  const { hotkey, port } = axon;
  const neuron = {
    uid,
    hotkey,
    coldkey: hotkey,
    stake: 0n,
    validatorPermit: false,
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
  return {
    neuron,
    close: () => axon.close(),
  };
}
