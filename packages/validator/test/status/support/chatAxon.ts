/**
 * A loopback miner axon that answers signed Chat synapses with a fixed stream of tokens: the
 * protocol's `createTestAxon` (the validator must not import the miner package). For the test
 * that a streamed (hijacked) API reply is counted.
 */
import type { Neuron } from '@subnet/chain';
import { Chat } from '@subnet/protocol/tasks';
import { createTestAxon, devHotkey } from '@subnet/protocol/testing';
import { streamTokens } from '../../support/streamTokens';
import { loopbackNeuron } from '../../support/testHelpers';

export const CHAT_TOKENS = ['Hello', ',', ' world'];

export interface ChatAxon {
  neuron: Neuron;
  close(): Promise<void>;
}

export async function startChatAxon(uid: number): Promise<ChatAxon> {
  const axon = await createTestAxon({
    hotkey: await devHotkey('charlie'),
    synapses: [Chat],
    uuid: 'status-chat-axon',
    serve: () => ({ events: streamTokens(CHAT_TOKENS, 2) }),
  });
  return {
    neuron: loopbackNeuron(uid, axon.hotkey, axon.port),
    close: () => axon.close(),
  };
}
