/**
 * A loopback miner axon that answers signed Chat synapses with a fixed stream of tokens, built on
 * the protocol's `verifyRequest` (the validator must not import the miner package). For the test
 * that a streamed (hijacked) API reply is counted.
 */
import type { Neuron } from '@subnet/chain';
import { Chat } from '@subnet/protocol/tasks';
import { loopbackNeuron } from '../../support/testHelpers';
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
  const neuron = loopbackNeuron(uid, hotkey, port);
  return {
    neuron,
    close: () => axon.close(),
  };
}
