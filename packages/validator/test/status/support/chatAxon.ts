/**
 * A loopback miner axon that answers signed Chat synapses with a fixed stream of tokens, built on
 * the protocol's `verifyRequest` (the validator must not import the miner package). For the test
 * that a streamed (hijacked) API reply is counted.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Neuron } from '@subnet/chain';
import {
  buildErrorResponse,
  buildStreamHead,
  encodeStreamEvent,
  NonceWindow,
  SignatureVerifier,
  synapseRegistry,
  verifyRequest,
} from '@subnet/protocol';
import { Chat } from '@subnet/protocol/tasks';
import { devHotkey } from '@subnet/protocol/testing';

export const CHAT_TOKENS = ['Hello', ',', ' world'];

export interface ChatAxon {
  neuron: Neuron;
  close(): Promise<void>;
}

export async function startChatAxon(uid: number): Promise<ChatAxon> {
  const hotkey = await devHotkey('charlie');
  const identity = { hotkey, uuid: 'status-chat-axon' };
  const ctx = {
    axonHotkey: hotkey.address,
    synapses: synapseRegistry([Chat]),
    nonces: new NonceWindow(),
    verifier: new SignatureVerifier(),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const startedAtMs = performance.now();
        const verified = await verifyRequest(
          { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) },
          ctx,
        );
        if (!verified.ok) {
          const r = buildErrorResponse(identity, verified.def, undefined, {
            startedAtMs,
            status: verified.status,
            message: verified.message,
          });
          res.writeHead(r.status, r.headers).end(r.body);
          return;
        }
        const head = buildStreamHead(identity, verified.def, verified.synapse, { startedAtMs });
        res.writeHead(head.status, head.headers);
        CHAT_TOKENS.forEach((token, index) => {
          res.write(
            encodeStreamEvent({ type: 'token', index, token, logprob: -0.25, top_logprobs: [] }),
          );
        });
        res.end(
          encodeStreamEvent({
            type: 'done',
            finish_reason: 'stop',
            prompt_tokens: 2,
            completion_tokens: CHAT_TOKENS.length,
          }),
        );
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const neuron = {
    uid,
    hotkey: hotkey.address,
    coldkey: hotkey.address,
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
