/**
 * An `llm-openai` registry model (an OpenAI-compatible server such as vLLM behind the miner)
 * serves Chat and Completion: the miner streams what the server streams, tokens as ids with their
 * logprobs. The server is a small HTTP server on loopback speaking the OpenAI streaming format the
 * way vLLM does with `return_tokens_as_token_ids`.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { type ModelFixtures, writeModelFixtures } from '@subnet/inference/testing';
import type { Dendrite, Hotkey } from '@subnet/protocol';
import { Chat, Completion } from '@subnet/protocol/tasks';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMinerConfig } from '../../src/config/loadConfig';
import { buildTaskBackends, type TaskBackends } from '../../src/tasks/buildTaskBackends';
import { type ServedMiner, startServedMiner } from './support/servedMiner';

/** What the server streams for every request: three tokens, each with two alternatives. */
const TOKENS = [
  { id: 11, text: 'The', logprob: -0.25, alt: { id: 12, logprob: -1.5 } },
  { id: 21, text: ' sea', logprob: -0.5, alt: { id: 22, logprob: -1.25 } },
  { id: 31, text: ' is', logprob: -0.75, alt: { id: 32, logprob: -2 } },
];

interface Received {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/** An OpenAI-compatible server on loopback (chat and completions, streamed, token ids). */
async function startServer(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const read = async (req: IncomingMessage) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    return JSON.parse(text) as Record<string, unknown>;
  };
  const server = createServer((req, res) => {
    void read(req).then((body) => {
      received.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
      const chat = req.url === '/v1/chat/completions';
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      TOKENS.forEach((t, i) => {
        const finish = i === TOKENS.length - 1 ? 'stop' : null;
        const choice = chat
          ? {
              delta: { content: t.text },
              logprobs: {
                content: [
                  {
                    token: `token_id:${t.id}`,
                    logprob: t.logprob,
                    top_logprobs: [
                      { token: `token_id:${t.id}`, logprob: t.logprob },
                      { token: `token_id:${t.alt.id}`, logprob: t.alt.logprob },
                    ],
                  },
                ],
              },
              finish_reason: finish,
            }
          : {
              text: t.text,
              logprobs: {
                tokens: [`token_id:${t.id}`],
                token_logprobs: [t.logprob],
                top_logprobs: [
                  { [`token_id:${t.id}`]: t.logprob, [`token_id:${t.alt.id}`]: t.alt.logprob },
                ],
              },
              finish_reason: finish,
            };
        res.write(`data: ${JSON.stringify({ choices: [choice] })}\n\n`);
      });
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}/v1`, received };
}

let fixtures: ModelFixtures;
let llm: Awaited<ReturnType<typeof startServer>>;
let tasks: TaskBackends;
let served: ServedMiner;
let minerKey: Hotkey;
let dendrite: Dendrite;
let port: number;

beforeAll(async () => {
  fixtures = await writeModelFixtures();
  llm = await startServer();
  const manifest = join(fixtures.root, 'remote.json');
  writeFileSync(
    manifest,
    JSON.stringify({
      version: 1,
      models: [
        {
          id: 'big-llm',
          taskKinds: ['text-generation'],
          pipeline: 'llm-openai',
          precision: 'bf16',
          memoryBytes: 80_000_000_000,
          files: [],
          server: { baseUrl: llm.url, model: 'org/big-llm-70b', apiKeyEnv: 'BIG_LLM_KEY' },
        },
      ],
    }),
  );
  const config = loadMinerConfig({
    flags: {
      netuid: '7',
      models: {
        registry: { manifests: [manifest], cache_dir: fixtures.cacheDir },
        entries: { 'big-llm': { type: 'llm' } },
      },
      tasks: {
        Chat: { models: ['big-llm'], volume: 1000 },
        Completion: { models: ['big-llm'], volume: 1000 },
      },
    },
  });
  const log = pino({ level: 'silent' });
  tasks = await buildTaskBackends(config, log, { env: { BIG_LLM_KEY: 'sk-local' } });
  served = await startServedMiner(tasks);
  ({ port, minerKey, dendrite } = served);
});

afterAll(async () => {
  await served?.close();
  await tasks?.close();
  await new Promise((done) => llm?.server.close(done));
  await fixtures?.remove();
});

async function streamOf(def: typeof Chat | typeof Completion, input: Record<string, unknown>) {
  const events: Record<string, unknown>[] = [];
  const gen = dendrite.stream(
    { ip: '127.0.0.1', port, hotkey: minerKey.address },
    def,
    input as never,
  );
  while (true) {
    const next = await gen.next();
    if (next.done) return { events, synapse: next.value };
    events.push(next.value as Record<string, unknown>);
  }
}

/** The token events the miner streams for TOKENS (alternatives named by id: no tokenizer here). */
const wantEvents = TOKENS.map((t, index) => ({
  type: 'token',
  index,
  token: t.text,
  token_id: t.id,
  logprob: t.logprob,
  top_logprobs: [
    { token: `token_id:${t.id}`, logprob: t.logprob },
    { token: `token_id:${t.alt.id}`, logprob: t.alt.logprob },
  ],
}));
const done = { type: 'done', finish_reason: 'stop', prompt_tokens: 0, completion_tokens: 3 };

describe('an llm-openai model behind the miner', () => {
  it('Chat streams the server tokens with their logprobs; the server gets the chat request with the key', async () => {
    const messages = [{ role: 'user', content: 'Tell me about the sea.' }];
    const { events, synapse } = await streamOf(Chat, {
      messages,
      temperature: 0.5,
      top_p: 0.9,
      top_k: 0,
      max_tokens: 3,
      top_logprobs: 2,
      seed: 5,
      model: 'big-llm',
    });
    expect(synapse.dendrite.status_code).toBe(200);
    expect(events).toEqual([...wantEvents, done]);
    expect(llm.received.at(-1)).toEqual({
      path: '/v1/chat/completions',
      authorization: 'Bearer sk-local',
      body: {
        model: 'org/big-llm-70b',
        messages,
        max_tokens: 3,
        temperature: 0.5,
        top_p: 0.9,
        seed: 5,
        stream: true,
        return_tokens_as_token_ids: true,
        logprobs: true,
        top_logprobs: 2,
      },
    });
  });

  it('Completion goes to /completions with the prompt', async () => {
    const { events } = await streamOf(Completion, {
      prompt: 'the sea',
      max_tokens: 3,
      top_logprobs: 2,
      seed: 5,
      model: 'big-llm',
    });
    expect(events).toEqual([...wantEvents, done]);
    expect(llm.received.at(-1)?.path).toBe('/v1/completions');
    expect(llm.received.at(-1)?.body.prompt).toBe('the sea');
  });

  it('a server API key variable that is not set stops start-up naming it', async () => {
    const config = loadMinerConfig({
      flags: {
        netuid: '7',
        models: {
          registry: {
            manifests: [join(fixtures.root, 'remote.json')],
            cache_dir: fixtures.cacheDir,
          },
          entries: { 'big-llm': { type: 'llm' } },
        },
        tasks: { Chat: { models: ['big-llm'], volume: 1000 } },
      },
    });
    await expect(
      buildTaskBackends(config, pino({ level: 'silent' }), { env: {} }),
    ).rejects.toMatchObject({
      code: 'MINER_CONFIG_INVALID',
      message: `models.entries.big-llm: registry model big-llm is served at ${llm.url} with the API key in $BIG_LLM_KEY, which is not set`,
    });
  });

  it('is listed on the remote device, and a server that cannot be reached ends the stream with an error event, without a reload', async () => {
    expect(tasks.catalog.manager.loaded().map((m) => [m.id, m.device])).toEqual([
      ['big-llm', 'remote'],
    ]);
    await new Promise((done) => llm.server.close(done));
    const { events, synapse } = await streamOf(Chat, {
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 3,
      seed: 5,
      model: 'big-llm',
    });
    expect(synapse.dendrite.status_code).toBe(200);
    expect(events).toEqual([
      { type: 'error', message: `cannot reach the LLM server at ${llm.url}/chat/completions` },
    ]);
    expect(tasks.catalog.brokenModels()).toEqual([]);
  });
});
