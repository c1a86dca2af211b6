/**
 * The dendrite fan-out rows of axonVsPython.bench.ts: one fan-out of Capacity to N cheap loopback
 * axons (`cheapAxons.ts`, one process), our `Dendrite.forward` (`fanoutClient.ts`) against the
 * SDK's `bt.Dendrite.forward` (`python_fanout.py`), each client in a process of its own and warmed
 * by an untimed round; `cores` is the client's CPU seconds per wall second.
 */
import { join } from 'node:path';
import { emitRow, medianOf } from '../../../scripts/bench/row';
import { BENCH_DIR, nodeTs } from './benchProcesses';
import { type LineProcess, startLineProcess } from './children';
import { CpuWindow } from './procStats';
import { fmt, measureSides, round1 } from './sides';

interface FanoutAnswer {
  ms: number;
  ok: number;
}

const fanoutAnswer = (line: unknown): FanoutAnswer | undefined => {
  const l = line as Partial<FanoutAnswer>;
  return typeof l?.ms === 'number' && typeof l.ok === 'number' ? { ms: l.ms, ok: l.ok } : undefined;
};

/**
 * One fan-out client: a sample is the mean ms of repeats fan-outs to the first n axons;
 * `fewestOk` is the fewest 200 answers one of its recorded fan-outs got (n when all answered).
 */
function fanoutSampler(client: LineProcess<unknown>, repeats: number) {
  const state = { cores: [] as number[], fewestOk: Number.POSITIVE_INFINITY, warm: false };
  const sample = async (n: number) => {
    const cpu = new CpuWindow(client.pid);
    client.send(`round ${n} ${repeats}`);
    const a = await client.next(fanoutAnswer, 60_000 + n * repeats * 1000);
    const used = cpu.read();
    if (state.warm) {
      if (used.cpuMs !== undefined) state.cores.push(used.cpuMs / used.wallMs);
      state.fewestOk = Math.min(state.fewestOk, a.ok);
    }
    state.warm = true;
    return a.ms;
  };
  const reset = () => {
    state.cores = [];
    state.fewestOk = Number.POSITIVE_INFINITY;
    state.warm = false;
  };
  return { sample, state, reset };
}

const answeredText = (name: string, fewest: number, n: number) =>
  fewest >= n
    ? `${name}: all ${n} answered 200`
    : `${name}: only ${fewest} of ${n} answered 200 in some fan-out`;

export interface FanoutBench {
  /** The reference SDK, or undefined (then `refMissing` says why). */
  sdk: { python: string; version: string } | undefined;
  refMissing: string | undefined;
  rounds: number;
  /** How many axons each fan-out queries, one row each. */
  counts: readonly number[];
  /** Fan-outs per sample. */
  repeats: number;
}

/** Starts the cheap axons and both clients, emits one row per count, stops them all. */
export async function fanoutRows(o: FanoutBench): Promise<void> {
  const { sdk, refMissing } = o;
  const count = Math.max(...o.counts);
  const [command, args] = nodeTs('cheapAxons.ts');
  const cheap = await startLineProcess({
    command,
    args: [...args, '--count', String(count), '--exit-with-stdin'],
    name: 'cheapAxons.ts',
    ready: (l) => {
      const r = l as { ready?: boolean; ports?: number[]; hotkey?: string };
      return r?.ready && Array.isArray(r.ports) && r.hotkey
        ? { ports: r.ports, hotkey: r.hotkey }
        : undefined;
    },
    readyTimeoutMs: 120_000,
  });
  const ready = (l: unknown) => ((l as { ready?: boolean })?.ready ? true : undefined);
  const ports = cheap.ready.ports.join(',');
  const [fc, fa] = nodeTs('fanoutClient.ts');
  const oursClient = await startLineProcess({
    command: fc,
    args: [...fa, '--hotkey', cheap.ready.hotkey, '--ports', ports],
    name: 'fanoutClient.ts',
    ready,
    readyTimeoutMs: 120_000,
  });
  const refClient = sdk
    ? await startLineProcess({
        command: sdk.python,
        args: [join(BENCH_DIR, 'python_fanout.py'), cheap.ready.hotkey, ports],
        cwd: BENCH_DIR,
        name: 'python_fanout.py',
        ready,
        readyTimeoutMs: 120_000,
      })
    : undefined;
  try {
    const ours = fanoutSampler(oursClient, o.repeats);
    const ref = refClient ? fanoutSampler(refClient, o.repeats) : undefined;
    for (const n of o.counts) {
      ours.reset();
      ref?.reset();
      const samples = await measureSides(
        o.rounds,
        () => ours.sample(n),
        ref ? () => ref.sample(n) : undefined,
      );
      const oursCores = ours.state.cores.length ? round1(medianOf(ours.state.cores)) : undefined;
      const refCores = ref?.state.cores.length ? round1(medianOf(ref.state.cores)) : undefined;
      const answered = [
        answeredText('ours', ours.state.fewestOk, n),
        ...(ref ? [answeredText('reference', ref.state.fewestOk, n)] : []),
      ].join(', ');
      emitRow({
        group: 'axon',
        path: `dendrite fan-out to ${n} axons (warm)`,
        unit: 'ms',
        higherIsBetter: false,
        ours: {
          label: 'ours: Dendrite.forward',
          samples: samples.ours,
          ...(oursCores !== undefined ? { cores: oursCores } : {}),
        },
        reference:
          sdk && ref
            ? {
                label: `bittensor ${sdk.version} bt.Dendrite.forward`,
                samples: samples.reference,
                ...(refCores !== undefined ? { cores: refCores } : {}),
              }
            : null,
        goal: { ratio: 5 },
        note: `each sample: mean of ${o.repeats} fan-outs of Capacity to ${n} loopback axons in one other process (fixed valid answer, no verification), after one untimed round; ${answered}; each client in its own process, cores = the client's${sdk ? '' : `; reference not run: ${refMissing}`}`,
      });
      console.log(
        `  fan-out to ${String(n).padStart(3)} axons: ours ${fmt(medianOf(samples.ours), 1)} ms` +
          (ref ? `, reference ${fmt(medianOf(samples.reference), 1)} ms` : ''),
      );
    }
  } finally {
    await Promise.all([oursClient.stop(), refClient?.stop(), cheap.stop()]);
  }
}
