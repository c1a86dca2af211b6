/**
 * A loopback miner axon for the validator's API tests, on the protocol's `verifyRequest` (the
 * validator must not import the miner package): it reads the body, verifies the signed request
 * (answering the error the protocol gives for a bad one) and hands a verified synapse to
 * `answer`, with the axon's identity to sign with; `streamTokens` answers a streamed text synapse.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AxonIdentity,
  buildErrorResponse,
  buildStreamHead,
  encodeStreamEvent,
  NonceWindow,
  SignatureVerifier,
  type SynapseDef,
  synapseRegistry,
  type VerifyResult,
  verifyRequest,
} from '@subnet/protocol';
import { devHotkey } from '@subnet/protocol/testing';

export type Verified = Extract<VerifyResult, { ok: true }>;

export interface AnswerContext {
  identity: AxonIdentity;
  startedAtMs: number;
}

export interface VerifyingAxon {
  port: number;
  hotkey: string;
  close(): Promise<void>;
}

export async function startVerifyingAxon(options: {
  synapses: readonly SynapseDef[];
  uuid: string;
  answer(verified: Verified, res: ServerResponse, ctx: AnswerContext): void;
}): Promise<VerifyingAxon> {
  const hotkey = await devHotkey('charlie');
  const identity = { hotkey, uuid: options.uuid };
  const ctx = {
    axonHotkey: hotkey.address,
    synapses: synapseRegistry([...options.synapses]),
    nonces: new NonceWindow(),
    verifier: new SignatureVerifier(),
  };
  const server = createServer((req, res) => {
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
        options.answer(verified, res, { identity, startedAtMs });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hotkey: hotkey.address,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Streams `tokens` (logprob -0.25 each) and a done event, as a miner answers Chat/Completion. */
export function streamTokens(
  verified: Verified,
  res: ServerResponse,
  ctx: AnswerContext,
  tokens: readonly string[],
  promptTokens: number,
): void {
  const head = buildStreamHead(ctx.identity, verified.def, verified.synapse, {
    startedAtMs: ctx.startedAtMs,
  });
  res.writeHead(head.status, head.headers);
  tokens.forEach((token, index) => {
    res.write(encodeStreamEvent({ type: 'token', index, token, logprob: -0.25, top_logprobs: [] }));
  });
  res.end(
    encodeStreamEvent({
      type: 'done',
      finish_reason: 'stop',
      prompt_tokens: promptTokens,
      completion_tokens: tokens.length,
    }),
  );
}
