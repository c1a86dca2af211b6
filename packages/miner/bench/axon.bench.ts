/**
 * `pnpm bench` (miner): the axon's throughput for a cheap synapse (Capacity: verified, answered,
 * signed; no task runs) and the latency the verification path adds, against a bare fastify route
 * answering a same-sized body, both measured in this run over loopback with the same client.
 */
import { Dendrite } from '@subnet/protocol';
import { Capacity, TextToImage } from '@subnet/protocol/tasks';
import { devHotkey } from '@subnet/protocol/testing';
import Fastify from 'fastify';
import pino from 'pino';
import { Agent, request } from 'undici';
import { DEFAULT_ACCESS_POLICY } from '../src/axon/accessPolicy';
import { buildMinerApp } from '../src/axon/buildMinerApp';
import { MetagraphHolder, metagraphView } from '../src/axon/metagraphView';

const N = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

const miner = await devHotkey('ferdie');
const alice = await devHotkey('alice');
const m = buildMinerApp({
  hotkey: miner,
  metagraph: new MetagraphHolder(
    metagraphView(1, 1, [{ uid: 0, hotkey: alice.address, stake: 1000, validatorPermit: true }]),
  ),
  served: [
    {
      def: TextToImage,
      handler: async () => ({}),
      capacity: { volume: 100, models: ['sdxl'], loras: [] },
    },
  ],
  logger: pino({ level: 'silent' }),
  access: DEFAULT_ACCESS_POLICY,
  admission: { tasks: {}, defaultLimits: { concurrency: 1, queue: 0 }, perValidator: 1_000_000 },
});
await m.app.listen({ host: '127.0.0.1', port: 0 });
const minerPort = (m.app.server.address() as { port: number }).port;

// One dendrite (uuid) per client worker: nonces must arrive in order per `{hotkey}:{uuid}`.
const dendrites = Array.from({ length: CONCURRENCY }, () => new Dendrite({ hotkey: alice }));
const target = { ip: '127.0.0.1', port: minerPort, hotkey: miner.address };
const signed = Array.from({ length: N + 1 }, (_, i) =>
  (dendrites[i % CONCURRENCY] as Dendrite).prepare(target, Capacity, {}),
);
const sample = await fetch(signed[0]?.url ?? '', {
  method: 'POST',
  headers: signed[0]?.headers,
  body: signed[0]?.body,
});
const sampleBody = await sample.text();
if (sample.status !== 200) throw new Error(`axon answered ${sample.status}: ${sampleBody}`);

const bare = Fastify({ logger: false });
bare.post('/Capacity', async (_req, reply) =>
  reply.header('content-type', 'application/json').send(sampleBody),
);
await bare.listen({ host: '127.0.0.1', port: 0 });
const barePort = (bare.server.address() as { port: number }).port;

const agent = new Agent({ connections: CONCURRENCY });

async function run(
  label: string,
  send: (i: number) => Promise<number>,
): Promise<{ rps: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      // worker w sends requests w, w + C, w + 2C, ... (in the order their nonces were made)
      for (let i = worker === 0 ? CONCURRENCY : worker; i <= N; i += CONCURRENCY) {
        const s = performance.now();
        const status = await send(i);
        if (status !== 200) throw new Error(`${label}: status ${status}`);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number;
  const out = { rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99) };
  console.log(
    `  ${label.padEnd(44)} ${out.rps.toFixed(0).padStart(7)} req/s   p50 ${out.p50.toFixed(2)} ms   p99 ${out.p99.toFixed(2)} ms`,
  );
  return out;
}

const post = async (url: string, headers: Record<string, string>, body: string) => {
  const res = await request(url, { method: 'POST', headers, body, dispatcher: agent });
  await res.body.text();
  return res.statusCode;
};

console.log(
  `axon over loopback: ${N} requests, ${CONCURRENCY} in flight, one process (client + server on 2 cores)`,
);
const ref = await run('reference: bare fastify route', () =>
  post(`http://127.0.0.1:${barePort}/Capacity`, { 'content-type': 'application/json' }, sampleBody),
);
const ours = await run('miner axon: verify + answer + sign (Capacity)', (i) => {
  const p = signed[i] as (typeof signed)[number];
  return post(p.url, p.headers, p.body);
});
console.log(`  throughput ratio axon / bare: ${(ours.rps / ref.rps).toFixed(2)}x`);
console.log(
  `  verification path overhead: p50 +${(ours.p50 - ref.p50).toFixed(2)} ms, p99 +${(ours.p99 - ref.p99).toFixed(2)} ms`,
);

await agent.close();
await Promise.all(dendrites.map((d) => d.close()));
await m.app.close();
await bare.close();
