/**
 * The Python test miner (test/python/python_miner.py, a reference-SDK `bt.axon` serving Capacity
 * and Completion on the tiny test LLM) as a child process of a test, and the model folder it
 * loads: the inference package's tiny decoder and tokenizer, as the TypeScript miners get them.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const SCRIPT = join(ROOT, 'test', 'python', 'python_miner.py');

/** One line the miner printed for an answered synapse. */
export interface ServedReport {
  served: 'Capacity' | 'Completion';
  /** The hotkey of the dendrite that asked (verified by the SDK axon). */
  dendrite: string;
  seed?: number;
  token_ids?: number[];
}

export interface PythonMiner {
  port: number;
  /** The hotkey the axon signs with (ss58). */
  hotkey: string;
  /** What it answered so far, in order. */
  served: ServedReport[];
  stop(): Promise<void>;
}

export interface PythonMinerOptions {
  /** Substrate URI of the hotkey, e.g. `//Charlie//hotkey`. */
  hotkeyUri: string;
  modelDir: string;
  mode: 'honest' | 'random';
  /** The IP the axon is reached at (it listens on every interface). */
  externalIp: string;
  /** Completion volume offered in the Capacity answer. */
  volume: number;
}

/** Starts the miner; resolves once its axon accepts connections. */
export async function startPythonMiner(options: PythonMinerOptions): Promise<PythonMiner> {
  if (!existsSync(PYTHON))
    throw new Error(`${PYTHON} is missing: run ./dev test (or bash scripts/python-env.sh)`);
  const child: ChildProcessWithoutNullStreams = spawn(
    PYTHON,
    [
      SCRIPT,
      '--hotkey-uri',
      options.hotkeyUri,
      '--model-dir',
      options.modelDir,
      '--mode',
      options.mode,
      '--external-ip',
      options.externalIp,
      '--volume',
      String(options.volume),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const served: ServedReport[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ready = await new Promise<{ port: number; hotkey: string }>((resolveReady, reject) => {
    let buffer = '';
    let started = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffer += d;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        const m = /^READY (\d+) (\w+)$/.exec(line);
        if (m) {
          started = true;
          resolveReady({ port: Number(m[1]), hotkey: m[2] as string });
        } else if (line.startsWith('{')) served.push(JSON.parse(line) as ServedReport);
      }
    });
    child.once('exit', (code) => {
      if (!started) reject(new Error(`python_miner.py exited with ${code}: ${stderr}`));
    });
  });
  return {
    ...ready,
    served,
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
