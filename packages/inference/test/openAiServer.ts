import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LlmEngine } from '../src/llm/llmEngine';
import type { GenerateRequest } from '../src/llm/requests';

/**
 * A loopback server speaking the streamed OpenAI completions and chat-completions API the way
 * vLLM does (return_tokens_as_token_ids), backed by our own ONNX engine, so the HTTP backend can
 * be checked token for token against the in-process one.
 */
export interface OpenAiTestServer {
  baseUrl: string;
  /** Requests whose client went away before the end. */
  disconnects: number;
  bodies: Record<string, unknown>[];
  /** Authorization headers received, in order. */
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}

export async function startOpenAiServer(engine: LlmEngine): Promise<OpenAiTestServer> {
  const state = {
    disconnects: 0,
    bodies: [] as Record<string, unknown>[],
    authorizations: [] as (string | undefined)[],
  };
  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw) as Record<string, unknown>;
    state.bodies.push(body);
    state.authorizations.push(req.headers.authorization);
    const chat = req.url === '/v1/chat/completions';
    if (!chat && req.url !== '/v1/completions') {
      res.writeHead(404).end('{"error":"not found"}');
      return;
    }
    if (body.model !== 'tiny') {
      res.writeHead(400).end('{"error":"unknown model"}');
      return;
    }
    if (!chat && typeof body.prompt_logprobs === 'number') {
      const ids = body.prompt as number[];
      const scored = await engine.score({
        promptTokenIds: ids.slice(0, 1),
        completionTokenIds: ids.slice(1),
        topK: body.prompt_logprobs,
      });
      const positions = [
        null,
        ...scored.tokens.map((t) => {
          const entries: Record<string, { logprob: number; rank: number }> = {};
          t.topLogprobs.forEach((alt, r) => {
            entries[String(alt.tokenId)] = { logprob: alt.logprob, rank: r + 1 };
          });
          entries[String(t.tokenId)] = { logprob: t.logprob, rank: t.rank };
          return entries;
        }),
      ];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, text: '', prompt_logprobs: positions }] }));
      return;
    }
    const k = chat ? Number(body.top_logprobs ?? 0) : Number(body.logprobs ?? 0);
    const prompt = body.prompt;
    const request: GenerateRequest = {
      ...(chat
        ? { messages: body.messages as GenerateRequest['messages'] }
        : Array.isArray(prompt)
          ? { promptTokenIds: prompt as number[] }
          : { prompt: prompt as string }),
      maxTokens: body.max_tokens as number,
      temperature: body.temperature as number,
      topP: body.top_p as number,
      topK: (body.top_k as number | undefined) ?? 0,
      seed: body.seed as number,
      stop: (body.stop as string[] | undefined) ?? [],
      logprobs: k,
    };
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) {
        state.disconnects++;
        controller.abort();
      }
    });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const id = (t: number) => `token_id:${t}`;
    const it = engine.generate(request, { signal: controller.signal });
    let next = await it.next();
    while (!next.done) {
      const e = next.value;
      const choice = chat
        ? {
            delta: { content: e.text },
            logprobs: {
              content: [
                {
                  token: id(e.tokenId),
                  logprob: e.logprob,
                  top_logprobs: e.topLogprobs.map((a) => ({
                    token: id(a.tokenId),
                    logprob: a.logprob,
                  })),
                },
              ],
            },
            finish_reason: null,
          }
        : {
            text: e.text,
            logprobs: {
              tokens: [id(e.tokenId)],
              token_logprobs: [e.logprob],
              top_logprobs: [
                Object.fromEntries(e.topLogprobs.map((a) => [id(a.tokenId), a.logprob])),
              ],
            },
            finish_reason: null,
          };
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, ...choice }] })}\n\n`);
      next = await it.next();
    }
    if (!res.writable) return;
    const done = {
      index: 0,
      ...(chat ? { delta: {} } : { text: '' }),
      finish_reason: next.value.finishReason,
    };
    res.write(`data: ${JSON.stringify({ choices: [done] })}\n\ndata: [DONE]\n\n`);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get disconnects() {
      return state.disconnects;
    },
    bodies: state.bodies,
    authorizations: state.authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
