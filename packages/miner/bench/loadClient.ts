/**
 * The axon benches' load client, in a process of its own so that the axon's CPU is its own:
 *
 *   node --import tsx packages/miner/bench/loadClient.ts --port <n> --axon-hotkey <ss58>
 *        [--concurrency 16] (--requests <n> | --duration-s <s>) [--rate <req/s>]
 *        [--invalid 0.1] [--sign presign|stream] [--server-pid <pid>] ...
 *
 * It signs Capacity requests with our `Dendrite` (`prepare`, hotkey alice), one dendrite uuid per
 * connection so that each connection's nonces arrive in order, and sends them over
 * `--concurrency` keep-alive connections (one request at a time on each):
 * - closed loop (default): each connection sends its next request when the last one is answered;
 * - open loop (`--rate`): requests are due at a fixed rate whatever the answers, spread over the
 *   connections in turn; latency counts from when a request was due, so queueing shows.
 * Signing runs on worker threads, before the timed phase (`presign`, needs `--requests`) or
 * ahead of the sender (`stream`). With `--server-pid` it reads the server's CPU from /proc at the
 * start and end of the timed phase. It prints one line on stdout, `{"result":{...}}` (see
 * `LoadResult`), and exits 0; progress and errors go to stderr.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Client } from 'undici';
import { CpuWindow } from './procStats';
import { INVALID_KINDS, type PreparedRequest, type RequestKind } from './requestMix';
import { SignerPool } from './signerPool';

const HELP = `loadClient --port <n> --axon-hotkey <ss58> (--requests <n> | --duration-s <s>) [options]

Signed Capacity requests against one axon; prints {"result":{...}} on stdout.

Options:
  --host <addr>         the axon's address (default 127.0.0.1)
  --port <n>            the axon's port
  --axon-hotkey <ss58>  the axon's hotkey (what requests are signed for)
  --concurrency <n>     keep-alive connections, one request in flight on each (default 16)
  --requests <n>        send n requests (closed loop only)
  --duration-s <s>      send for s seconds
  --rate <req/s>        open loop at this rate (with --duration-s); default: closed loop
  --invalid <f>         fraction of invalid requests mixed in, 0..0.5 (default 0)
  --sign <mode>         presign (all before timing; with --requests) or stream (default: presign
                        with --requests, stream otherwise)
  --signers <n>         signing threads (default: cores, at most 4)
  --rate-hint <req/s>   expected rate, sizes the signed buffer of a closed-loop stream (default 2000)
  --ahead-s <s>         how far ahead stream signing keeps (default 1)
  --server-pid <pid>    read this process's CPU (/proc) over the timed phase
  --timeout-s <s>       per-request deadline (default 30)
  --exit-with-stdin     exit when stdin closes (so it dies with the process that spawned it)
`;

interface Options {
  host: string;
  port: number;
  axonHotkey: string;
  concurrency: number;
  requests: number | undefined;
  durationS: number | undefined;
  rate: number | undefined;
  invalid: number;
  sign: 'presign' | 'stream';
  signers: number;
  rateHint: number;
  aheadS: number;
  serverPid: number | undefined;
  timeoutS: number;
  exitWithStdin: boolean;
}

export interface LoadResult {
  mode: 'closed' | 'open';
  concurrency: number;
  rate: number | null;
  sign: 'presign' | 'stream';
  /** The timed phase: from the first request sent to the last one answered. */
  wallS: number;
  /** Open loop: how long sending took (the rest of wallS is the backlog draining). */
  sendS: number;
  valid: { sent: number; ok: number; statuses: Record<string, number> };
  invalid: Record<string, { sent: number; statuses: Record<string, number> }>;
  /** Valid requests answered 200, per second of wallS. */
  okPerS: number;
  /** Latency of valid requests (from when due, in open loop), ms. */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  server: { cpuMs: number; wallMs: number; cores: number; cpuMsPerOk: number } | null;
  client: { cpuMs: number; cores: number };
  bytes: { request: number; response: number };
  /** Open loop: how late requests left the sender after they were due (a starved client), ms. */
  lateMs: { p99: number; max: number } | null;
  /** Times a request was due but not yet signed (stream signing fell behind). */
  signerStalls: number;
  presignS: number;
}

function usage(message: string): number {
  process.stderr.write(`loadClient: ${message}\n\n${HELP}`);
  return 2;
}

function parseOptions(argv: string[]): Options | string {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      'axon-hotkey': { type: 'string' },
      concurrency: { type: 'string', default: '16' },
      requests: { type: 'string' },
      'duration-s': { type: 'string' },
      rate: { type: 'string' },
      invalid: { type: 'string', default: '0' },
      sign: { type: 'string' },
      signers: { type: 'string', default: String(Math.min(4, availableParallelism())) },
      'rate-hint': { type: 'string', default: '2000' },
      'ahead-s': { type: 'string', default: '1' },
      'server-pid': { type: 'string' },
      'timeout-s': { type: 'string', default: '30' },
      'exit-with-stdin': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const num = (name: string, v: string | undefined, min: number, max: number) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} ${min}..${max}`);
    return n;
  };
  try {
    const o: Options = {
      host: String(values.host),
      port: num('port', values.port, 1, 65_535) ?? Number.NaN,
      axonHotkey: values['axon-hotkey'] ?? '',
      concurrency: num('concurrency', values.concurrency, 1, 1024) as number,
      requests: num('requests', values.requests, 1, 10_000_000),
      durationS: num('duration-s', values['duration-s'], 0.1, 3600),
      rate: num('rate', values.rate, 1, 1_000_000),
      invalid: num('invalid', values.invalid, 0, 0.5) as number,
      sign: 'presign',
      signers: num('signers', values.signers, 1, 64) as number,
      rateHint: num('rate-hint', values['rate-hint'], 1, 1_000_000) as number,
      aheadS: num('ahead-s', values['ahead-s'], 0.1, 60) as number,
      serverPid: num('server-pid', values['server-pid'], 1, 2 ** 31),
      timeoutS: num('timeout-s', values['timeout-s'], 0.1, 600) as number,
      exitWithStdin: values['exit-with-stdin'] === true,
    };
    if (Number.isNaN(o.port)) return '--port is required';
    if (!o.axonHotkey) return '--axon-hotkey is required';
    if ((o.requests === undefined) === (o.durationS === undefined))
      return 'give one of --requests and --duration-s';
    if (o.rate !== undefined && o.durationS === undefined) return '--rate needs --duration-s';
    const sign = values.sign ?? (o.requests !== undefined ? 'presign' : 'stream');
    if (sign !== 'presign' && sign !== 'stream') return `--sign presign|stream, got '${sign}'`;
    if (sign === 'presign' && o.requests === undefined) return '--sign presign needs --requests';
    o.sign = sign;
    return o;
  } catch (e) {
    return `${(e as Error).message}`;
  }
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(o: Options): Promise<LoadResult> {
  const target = { ip: o.host, port: o.port, hotkey: o.axonHotkey };
  const pool = await SignerPool.start({
    target,
    connections: o.concurrency,
    threads: o.signers,
    invalidFraction: o.invalid,
  });
  const clients = Array.from(
    { length: o.concurrency },
    () =>
      new Client(`http://${o.host}:${o.port}`, {
        pipelining: 1,
        headersTimeout: o.timeoutS * 1000,
        bodyTimeout: o.timeoutS * 1000,
        keepAliveTimeout: 60_000,
      }),
  );

  // Sign what the timed phase starts with.
  const p0 = performance.now();
  const share = (total: number) => (c: number) =>
    Math.floor(total / o.concurrency) + (c < total % o.concurrency ? 1 : 0);
  const expectedRate = o.rate ?? o.rateHint;
  const low = Math.ceil((expectedRate * o.aheadS) / o.concurrency) + 2;
  if (o.sign === 'presign') await pool.sign(share(o.requests as number));
  else await pool.sign(() => 2 * low);
  const presignS = (performance.now() - p0) / 1000;
  if (presignS > 8)
    process.stderr.write(
      `loadClient: signing ahead took ${presignS.toFixed(1)} s; first nonces near the axon's window\n`,
    );

  const latencies: number[] = [];
  const valid = { sent: 0, ok: 0, statuses: {} as Record<string, number> };
  const invalid = Object.fromEntries(
    INVALID_KINDS.map((k) => [k, { sent: 0, statuses: {} as Record<string, number> }]),
  );
  const tally = (kind: RequestKind, status: string) => {
    const bucket = kind === 'valid' ? valid : (invalid[kind] as (typeof invalid)[string]);
    bucket.statuses[status] = (bucket.statuses[status] ?? 0) + 1;
  };
  let requestBytes = 0;
  let responseBytes = 0;
  let answered = 0;
  let stalls = 0;

  const send = async (p: PreparedRequest, dueAt: number) => {
    if (p.kind === 'valid') valid.sent++;
    else (invalid[p.kind] as (typeof invalid)[string]).sent++;
    requestBytes += p.body.length;
    let status: string;
    try {
      const res = await (clients[p.conn] as Client).request({
        path: '/Capacity',
        method: 'POST',
        headers: p.headers,
        body: p.body,
      });
      const body = await res.body.arrayBuffer();
      responseBytes += body.byteLength;
      answered++;
      status = String(res.statusCode);
    } catch (e) {
      const err = e as { code?: string; cause?: { code?: string } };
      status = err.code ?? err.cause?.code ?? 'error';
    }
    tally(p.kind, status);
    if (p.kind === 'valid') {
      latencies.push(performance.now() - dueAt);
      if (status === '200') valid.ok++;
    }
  };
  const take = (c: number) => {
    const q = pool.queues[c];
    if (!q) throw new Error(`no queue for connection ${c}`);
    if (q.length === 0) stalls++;
    return q.take();
  };

  const refill = o.sign === 'stream' ? setInterval(() => pool.keepAhead(low), 20) : undefined;
  const cpu0 = process.cpuUsage();
  const server = o.serverPid !== undefined ? new CpuWindow(o.serverPid) : undefined;
  const t0 = performance.now();
  let sendEnd = t0;
  let late: Float64Array | undefined;
  if (o.rate === undefined) {
    const endAt = o.durationS !== undefined ? t0 + o.durationS * 1000 : Number.POSITIVE_INFINITY;
    const perConn = o.requests !== undefined ? share(o.requests) : () => Number.POSITIVE_INFINITY;
    await Promise.all(
      clients.map(async (_, c) => {
        for (let left = perConn(c); left > 0 && performance.now() < endAt; left--) {
          const p = await take(c);
          await send(p, performance.now());
        }
      }),
    );
    sendEnd = performance.now();
  } else {
    const interval = 1000 / o.rate;
    const total = Math.round(o.rate * (o.durationS as number));
    const inFlight = new Set<Promise<void>>();
    late = new Float64Array(total);
    let i = 0;
    while (i < total) {
      const due = Math.min(total, Math.floor((performance.now() - t0) / interval) + 1);
      for (; i < due; i++) {
        const c = i % o.concurrency;
        const dueAt = t0 + i * interval;
        late[i] = performance.now() - dueAt;
        const done = Promise.resolve(take(c)).then((p) => send(p, dueAt));
        inFlight.add(done);
        void done.finally(() => inFlight.delete(done));
      }
      await sleep(Math.max(0, t0 + i * interval - performance.now()));
    }
    sendEnd = performance.now();
    await Promise.all(inFlight);
  }
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const serverCpu = server?.read();
  if (refill) clearInterval(refill);
  await pool.close();
  await Promise.all(clients.map((c) => c.close()));

  const wallS = (t1 - t0) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const clientCpuMs = (cpu.user + cpu.system) / 1000;
  const sent = valid.sent + Object.values(invalid).reduce((s, b) => s + b.sent, 0);
  return {
    mode: o.rate === undefined ? 'closed' : 'open',
    concurrency: o.concurrency,
    rate: o.rate ?? null,
    sign: o.sign,
    wallS,
    sendS: (sendEnd - t0) / 1000,
    valid,
    invalid,
    okPerS: valid.ok / wallS,
    latencyMs: {
      p50: percentile(sorted, 0.5),
      p90: percentile(sorted, 0.9),
      p99: percentile(sorted, 0.99),
      max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    },
    server:
      serverCpu?.cpuMs !== undefined
        ? {
            cpuMs: serverCpu.cpuMs,
            wallMs: serverCpu.wallMs,
            cores: serverCpu.cpuMs / serverCpu.wallMs,
            cpuMsPerOk: valid.ok > 0 ? serverCpu.cpuMs / valid.ok : Number.NaN,
          }
        : null,
    client: { cpuMs: clientCpuMs, cores: clientCpuMs / (t1 - t0) },
    bytes: {
      request: sent > 0 ? requestBytes / sent : 0,
      response: answered > 0 ? responseBytes / answered : 0,
    },
    lateMs: late
      ? { p99: percentile(late.sort(), 0.99), max: late.length > 0 ? (late.at(-1) as number) : 0 }
      : null,
    signerStalls: stalls,
    presignS,
  };
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  let parsed: Options | string;
  try {
    parsed = parseOptions(argv);
  } catch (e) {
    return usage((e as Error).message);
  }
  if (typeof parsed === 'string') return usage(parsed);
  const orphaned = () => process.exit(1);
  if (parsed.exitWithStdin) process.stdin.on('close', orphaned).resume();
  try {
    const result = await run(parsed);
    process.stdout.write(`${JSON.stringify({ result })}\n`);
    return 0;
  } finally {
    if (parsed.exitWithStdin) process.stdin.off('close', orphaned).destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`loadClient: ${(e as Error).stack ?? String(e)}\n`);
    // Signing threads and sockets of a failed run would keep the process alive.
    process.exit(1);
  },
);
