/**
 * The dendrite's deadlines and caps against in-process misbehaving servers (hostileAxon.test.ts
 * does the same against a separate process).
 *
 * Regression: the total timeout was an `AbortSignal.timeout` passed through `AbortSignal.any`
 * (always for streams, and for calls given a caller signal). On Node 20 `any` holds its sources
 * weakly: after a garbage collection the timeout signal was gone, its timer cleared, and a silent
 * or dripping axon held the call for minutes. The tests below force collections while they wait.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dendrite, encodeStreamEvent, type Hotkey } from '../src/index';
import { Capacity, Completion } from '../src/tasks/index';
import { Dummy, devHotkey, VALID_TASK_INPUTS } from '../src/testing/index';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;
const behaviours = new Map<string, Behaviour>();
let alice: Hotkey;
let bob: Hotkey;
let server: Server;

const token = (index: number) =>
  encodeStreamEvent({ type: 'token', index, token: 'a', logprob: -0.1, top_logprobs: [] });

beforeAll(async () => {
  alice = await devHotkey('alice');
  bob = await devHotkey('bob');
  // One server; what it does is set per path (the synapse name) by each test.
  server = createServer((req, res) => {
    req.resume();
    behaviours.get(req.url ?? '')?.(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function target() {
  return { ip: '127.0.0.1', port: (server.address() as AddressInfo).port, hotkey: bob.address };
}

function on(path: string, behave: Behaviour) {
  behaviours.set(path, behave);
}

const silentHeaders = (type: string) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': type });
  res.flushHeaders();
};

async function drain<T>(gen: AsyncGenerator<unknown, T, undefined>): Promise<{ n: number; r: T }> {
  let n = 0;
  let step = await gen.next();
  while (!step.done) {
    n++;
    step = await gen.next();
  }
  return { n, r: step.value };
}

/** Runs `work` while collecting garbage every 20 ms; 'hung' if it takes longer than `ms`. */
async function withGc<T>(work: Promise<T>, ms: number): Promise<T | 'hung'> {
  const iv = setInterval(gc, 20);
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<'hung'>((r) => {
        t = setTimeout(() => r('hung'), ms);
      }),
    ]);
  } finally {
    clearInterval(iv);
    clearTimeout(t);
  }
}

const statusOf = (r: { dendrite: { status_code?: number | null } } | 'hung') =>
  r === 'hung' ? 'hung' : r.dendrite.status_code;

describe('regression: the total timeout survives garbage collection', () => {
  it('a call given a caller signal ends with 408 at its timeout', async () => {
    on('/Dummy', silentHeaders('application/json'));
    const d = new Dendrite({ hotkey: alice });
    const user = new AbortController();
    const res = await withGc(
      d.call(target(), Dummy, { dummy_input: 1 }, { timeout: 0.5, signal: user.signal }),
      4000,
    );
    expect(statusOf(res)).toBe(408);
    expect(res !== 'hung' && res.dendrite.status_message).toBe('Request timeout after 0.5 seconds');
    await d.close();
  });

  it('a stream that never sends an event ends with 408 at its timeout', async () => {
    on('/Completion', silentHeaders('text/event-stream'));
    const d = new Dendrite({ hotkey: alice });
    const res = await withGc(
      drain(d.stream(target(), Completion, VALID_TASK_INPUTS.Completion, { timeout: 0.5 })),
      4000,
    );
    expect(res === 'hung' ? 'hung' : statusOf(res.r)).toBe(408);
    await d.close();
  });
});

describe('deadlines inside the total', () => {
  it('firstByteMs: no headers in time gives 408 naming the deadline', async () => {
    on('/Dummy', () => {});
    const d = new Dendrite({ hotkey: alice });
    const t0 = performance.now();
    const res = await d.call(
      target(),
      Dummy,
      { dummy_input: 1 },
      { timeout: 20, deadlines: { firstByteMs: 300 } },
    );
    expect(res.dendrite.status_code).toBe(408);
    expect(res.dendrite.status_message).toBe('Request timeout: no answer headers within 300 ms');
    expect(performance.now() - t0).toBeLessThan(3000);
    await d.close();
  });

  it('idleMs on a non-streamed answer: a body that stops gives 408', async () => {
    on('/Dummy', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"dummy_output": ');
    });
    const d = new Dendrite({ hotkey: alice });
    const res = await d.call(
      target(),
      Dummy,
      { dummy_input: 1 },
      { timeout: 20, deadlines: { idleMs: 300 } },
    );
    expect(res.dendrite.status_message).toBe('Request timeout: answer idle for 300 ms');
    expect(res.dendrite.status_code).toBe(408);
    await d.close();
  });

  it('idleMs on a stream: a gap between events gives 408, bytes trickling do not reset it', async () => {
    on('/Completion', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(token(0));
      const rest = token(1);
      let i = 0;
      const iv = setInterval(() => {
        if (res.destroyed || i >= rest.length - 1) return clearInterval(iv);
        res.write(rest[i++] as string);
      }, 50);
      res.on('close', () => clearInterval(iv));
    });
    const d = new Dendrite({ hotkey: alice });
    const t0 = performance.now();
    const { n, r } = await drain(
      d.stream(target(), Completion, VALID_TASK_INPUTS.Completion, {
        timeout: 20,
        deadlines: { idleMs: 500 },
      }),
    );
    expect(n).toBe(1);
    expect(r.dendrite.status_code).toBe(408);
    expect(r.dendrite.status_message).toBe('Request timeout: stream idle for 500 ms');
    expect(performance.now() - t0).toBeLessThan(3000);
    await d.close();
  });

  it('connectMs: no free connection in time gives 408 naming the deadline', async () => {
    on('/Dummy', () => {});
    const d = new Dendrite({ hotkey: alice, connectionsPerAxon: 1 });
    const hold = d.call(target(), Dummy, { dummy_input: 1 }, { timeout: 2 });
    const res = await d.call(
      target(),
      Dummy,
      { dummy_input: 2 },
      { timeout: 20, deadlines: { connectMs: 200 } },
    );
    expect(res.dendrite.status_code).toBe(408);
    expect(res.dendrite.status_message).toBe('Request timeout: no connection within 200 ms');
    expect((await hold).dendrite.status_code).toBe(408);
    await d.close();
  });

  it('a holding consumer does not count as stream idle time', async () => {
    on('/Completion', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        token(0) +
          token(1) +
          encodeStreamEvent({
            type: 'done',
            finish_reason: 'stop',
            prompt_tokens: 1,
            completion_tokens: 2,
          }),
      );
    });
    const d = new Dendrite({ hotkey: alice });
    const gen = d.stream(target(), Completion, VALID_TASK_INPUTS.Completion, {
      timeout: 20,
      deadlines: { idleMs: 300 },
    });
    const seen: unknown[] = [];
    let step = await gen.next();
    while (!step.done) {
      seen.push(step.value);
      await new Promise((r) => setTimeout(r, 600));
      step = await gen.next();
    }
    expect(seen).toHaveLength(3);
    expect(step.value.dendrite.status_code).toBe(200);
    await d.close();
  });

  it('rejects deadlines that are not positive numbers', async () => {
    const d = new Dendrite({ hotkey: alice });
    await expect(
      d.call(target(), Dummy, { dummy_input: 1 }, { deadlines: { idleMs: 0 } }),
    ).rejects.toThrow('deadlines.idleMs must be a positive number of milliseconds');
    await d.close();
  });
});

describe('caps on streamed answers', () => {
  const endless = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let i = 0;
    const pump = () => {
      while (!res.destroyed && res.write(token(i++ % 4096)));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  };

  it('more bytes than maxResponseBytes gives 422 and the stream ends', async () => {
    on('/Completion', endless);
    const d = new Dendrite({ hotkey: alice, maxResponseBytes: 64 * 1024 });
    const { n, r } = await drain(
      d.stream(target(), Completion, VALID_TASK_INPUTS.Completion, { timeout: 10 }),
    );
    expect(r.dendrite.status_code).toBe(422);
    expect(r.dendrite.status_message).toBe('Response too large: the answer exceeds 65536 bytes');
    expect(n).toBeLessThan(65536 / token(0).length + 1);
    await d.close();
  });

  it('a per-call maxResponseBytes lowers the dendrite’s cap for that call only', async () => {
    on('/Completion', endless);
    const d = new Dendrite({ hotkey: alice, maxResponseBytes: 1024 * 1024 });
    const { r } = await drain(
      d.stream(target(), Completion, VALID_TASK_INPUTS.Completion, {
        timeout: 10,
        maxResponseBytes: 8 * 1024,
      }),
    );
    expect(r.dendrite.status_message).toBe('Response too large: the answer exceeds 8192 bytes');
    // A larger per-call cap than the dendrite's does not raise it.
    const { r: capped } = await drain(
      d.stream(target(), Completion, VALID_TASK_INPUTS.Completion, {
        timeout: 10,
        maxResponseBytes: 1024 ** 3,
      }),
    );
    expect(capped.dendrite.status_message).toBe(
      'Response too large: the answer exceeds 1048576 bytes',
    );
    await d.close();
  });

  it('more events than maxStreamEvents gives 422 and the stream ends', async () => {
    on('/Completion', endless);
    const d = new Dendrite({ hotkey: alice, maxStreamEvents: 50 });
    const { n, r } = await drain(
      d.stream(target(), Completion, VALID_TASK_INPUTS.Completion, { timeout: 10 }),
    );
    expect(n).toBe(50);
    expect(r.dendrite.status_code).toBe(422);
    expect(r.dendrite.status_message).toBe('Stream too long: more than 50 events');
    await d.close();
  });

  it('an endless well-formed stream is cut at the total deadline', async () => {
    on('/Completion', endless);
    const d = new Dendrite({ hotkey: alice, maxResponseBytes: 1024 ** 3, maxStreamEvents: 1e9 });
    const t0 = performance.now();
    const { n, r } = await drain(
      d.stream(target(), Completion, VALID_TASK_INPUTS.Completion, { timeout: 3 }),
    );
    expect(n).toBeGreaterThan(0);
    expect(r.dendrite.status_code).toBe(408);
    expect(r.dendrite.status_message).toBe('Request timeout after 3 seconds');
    expect(performance.now() - t0).toBeLessThan(8000);
    await d.close();
  });

  it('a non-streamed answer over the cap (by its content-length) gives 422', async () => {
    on('/Dummy', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 10_000 });
      res.write('{"dummy_output": 1');
    });
    const d = new Dendrite({ hotkey: alice, maxResponseBytes: 1000 });
    const res = await d.call(target(), Dummy, { dummy_input: 1 }, { timeout: 5 });
    expect(res.dendrite.status_code).toBe(422);
    expect(res.dendrite.status_message).toBe('Response too large: the answer exceeds 1000 bytes');
    await d.close();
  });
});

describe('a breach leaves nothing behind', () => {
  it('many calls sharing one caller signal: no listener warning, no timer, sockets freed', async () => {
    on('/Dummy', () => {});
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const user = new AbortController();
    const d = new Dendrite({ hotkey: alice, connectionsPerAxon: 64 });
    const targets = Array.from({ length: 40 }, () => target());
    const t0 = performance.now();
    const results = await d.forward(
      targets,
      Dummy,
      { dummy_input: 1 },
      { timeout: 30, signal: user.signal, deadlines: { firstByteMs: 1000 } },
    );
    expect(performance.now() - t0).toBeLessThan(8000);
    expect(new Set(results.map((r) => r.dendrite.status_code))).toEqual(new Set([408]));
    // close() waits for in-flight requests: it returns only because each breach destroyed its socket
    await d.close();
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(warnings.map((w) => w.name)).toEqual([]);
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(timersAfter).toBeLessThanOrEqual(timersBefore);
  });

  it('the caller cancelling ends the call at once with its own message', async () => {
    on('/Dummy', () => {});
    const d = new Dendrite({ hotkey: alice });
    const user = new AbortController();
    setTimeout(() => user.abort(), 100);
    const res = await d.call(
      target(),
      Dummy,
      { dummy_input: 1 },
      { timeout: 20, signal: user.signal },
    );
    expect(res.dendrite.status_code).toBe(408);
    expect(res.dendrite.status_message).toBe('Request cancelled by the caller');
    await d.close();
  });
});

describe('a process that made calls ended by deadlines', () => {
  it('exits by itself once the dendrite is closed, without warnings', async () => {
    on('/Dummy', () => {});
    const pkg = resolve(import.meta.dirname, '..');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/deadlineExitProbe.ts', String(target().port)],
      { cwd: pkg, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c;
    });
    // Its calls would hold it for 60 s if a timer or socket were left behind.
    const code = await new Promise<number | string | null>((done) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('exit', (c, signal) => {
        clearTimeout(kill);
        done(c ?? signal);
      });
    });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ statuses: Array.from({ length: 31 }, () => 408) });
  }, 30_000);
});

describe('answers that fail to parse', () => {
  it('give 422 with a message that names the field, bounded to 500 characters', async () => {
    const bad = { volume: 'lots', models: Array.from({ length: 16 }, () => '../x'), loras: [] };
    on('/Capacity', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          name: 'Capacity',
          capacities: { Chat: bad, Completion: bad, TextToImage: bad, Upscale: bad },
        }),
      );
    });
    const d = new Dendrite({ hotkey: alice });
    const res = await d.call(target(), Capacity, {}, { timeout: 5 });
    await d.close();
    expect(res.dendrite.status_code).toBe(422);
    const message = res.dendrite.status_message as string;
    expect(message.length).toBe(500);
    expect(
      message.startsWith(
        'Failed to parse response: invalid Capacity: capacities.Chat.volume: Invalid input: expected number, received string; capacities.Chat.models.0: must be a model id',
      ),
    ).toBe(true);
    expect(message.endsWith('...')).toBe(true);
  });
});
