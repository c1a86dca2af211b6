/**
 * `pnpm miner start` as a real process on the devnet: SIGTERM during a long request lets the
 * request finish with its full answer, then the process exits 0; SIGINT (Ctrl-C) on an idle miner
 * exits 0; a second signal while it drains exits at once (130 for SIGINT).
 *
 * Regression: an earlier version of this test ran the CLI through the `tsx` binary. That binary
 * is a parent process that relays SIGTERM to the real node child and waits 30 ms for the child to
 * report it; when the child does not report twice in a row it SIGKILLs the child and exits 143.
 * A miner in the middle of an image request keeps its event loop busy for 100 ms stretches (more
 * on busy cores), so under load the miner was killed before its handler ran (no "stopping" line).
 * The CLI runs here as `pnpm miner` runs it: `node bin/miner.mjs`, which registers tsx as a loader
 * (no parent process), so the signal reaches the miner itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainClient } from '@subnet/chain';
import { type Devnet, startDevnet } from '@subnet/chain/devnet';
import { type DevKeys, devKeys, writeDevWallets } from '@subnet/chain/testing';
import { imageBytesToBase64 } from '@subnet/inference/image';
import { type ModelFixtures, modelsSection, writeModelFixtures } from '@subnet/inference/testing';
import { Dendrite } from '@subnet/protocol';
import { TextToImage } from '@subnet/protocol/tasks';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMinerConfig } from '../src/config/loadConfig';
import { hotkeyOfPair } from '../src/daemon/chainViews';
import { buildTaskBackends } from '../src/tasks/buildTaskBackends';
import { cliEnv, MINER_BIN } from './support/minerCli';

const log = pino({ level: 'silent' });

let devnet: Devnet;
let chain: ChainClient;
let keys: Record<string, DevKeys>;
let walletPath: string;
let fixtures: ModelFixtures;

beforeAll(async () => {
  devnet = await startDevnet();
  chain = await ChainClient.connect({ network: devnet.endpoint, logger: log });
  keys = await devKeys();
  walletPath = mkdtempSync(join(tmpdir(), 'miner-sigterm-'));
  await writeDevWallets(walletPath);
  const charlie = keys.charlie as DevKeys;
  await chain.burnedRegister({
    netuid: devnet.netuid,
    coldkey: charlie.coldkey,
    hotkey: charlie.hotkey.address,
  });
  fixtures = await writeModelFixtures();
}, 240_000);

afterAll(async () => {
  await chain?.close();
  await devnet?.close();
  await fixtures?.remove();
});

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.2', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

/** The miner as `pnpm miner start` runs it, with its JSON log lines collected as they come. */
function spawnMiner(configFile: string) {
  const child: ChildProcess = spawn(
    process.execPath,
    [MINER_BIN, 'start', '--config', configFile],
    {
      cwd: walletPath,
      env: cliEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: Record<string, unknown>[] = [];
  let text = '';
  let waiting: { msg: string; resolve: () => void } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
    let nl = text.indexOf('\n');
    while (nl >= 0) {
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      nl = text.indexOf('\n');
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ msg: line });
      }
      if (waiting && lines.at(-1)?.msg === waiting.msg) waiting.resolve();
    }
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    /** Resolves on the first log line with this message; rejects if the process ends first. */
    logged(msg: string): Promise<void> {
      if (lines.some((l) => l.msg === msg)) return Promise.resolve();
      return Promise.race([
        new Promise<void>((done) => {
          waiting = { msg, resolve: done };
        }),
        exited.then((e) => {
          throw new Error(
            `the miner exited (${JSON.stringify(e)}) before logging '${msg}': ${stderr}`,
          );
        }),
      ]);
    },
  };
}

describe('pnpm miner start as a process', () => {
  it('SIGTERM during a long request: the request completes, then the process exits 0', async () => {
    const port = await freePort();
    const bob = keys.bob as DevKeys;
    const file = join(walletPath, 'miner.yaml');
    writeFileSync(
      file,
      JSON.stringify({
        netuid: devnet.netuid,
        subtensor: { network: devnet.endpoint },
        wallet: { name: 'charlie', hotkey: 'default', path: walletPath },
        // Signature checks and answer signatures on two worker threads: the drain covers them.
        axon: { ip: '127.0.0.2', port, external_ip: '127.0.0.2', crypto_threads: 2 },
        blacklist: { allow_hotkeys: [bob.hotkey.address] },
        tasks: { TextToImage: { models: ['tiny-sd'], volume: 10 } },
        models: modelsSection(fixtures),
        logging: { level: 'info' },
      }),
    );
    const miner = spawnMiner(file);
    // The CLI takes signals from its first moment; "miner ready" comes once the axon listens.
    await miner.logged('miner ready');

    // The largest image the protocol allows, at its most steps: seconds of work, on busy cores more.
    const input = {
      prompt: 'a lighthouse at dusk',
      steps: 50,
      cfg_scale: 5,
      width: 1344,
      height: 1344,
      seed: 3,
      model: 'tiny-sd',
    };
    const dendrite = new Dendrite({ hotkey: hotkeyOfPair(bob.hotkey) });
    const answer = dendrite.call(
      { ip: '127.0.0.2', port, hotkey: (keys.charlie as DevKeys).hotkey.address },
      TextToImage,
      input,
      { timeout: 120 },
    );
    let settled = false;
    void answer.finally(() => {
      settled = true;
    });
    // SIGTERM once the axon reports the request running.
    const running = async () => {
      const h = (await fetch(`http://127.0.0.2:${port}/healthz`).then((r) => r.json())) as {
        tasks: { task: string; running: number }[];
      };
      return h.tasks.some((t) => t.task === 'TextToImage' && t.running === 1);
    };
    while (!settled && !(await running())) await new Promise((r) => setTimeout(r, 5));
    miner.child.kill('SIGTERM');

    const result = await answer;
    await dendrite.close();
    const exit = await miner.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect({
      code: result.dendrite.status_code,
      message: result.dendrite.status_message,
    }).toEqual({ code: 200, message: 'Success' });

    // The miner logged the signal while the request ran, answered it, then stopped.
    const msgs = miner.lines.map((l) => l.msg);
    const at = (msg: string) => msgs.indexOf(msg);
    expect(miner.lines[at('stopping')]?.signal).toBe('SIGTERM');
    expect(at('miner ready')).toBeLessThan(at('stopping'));
    expect(at('stopping')).toBeLessThan(at('answered'));
    expect(at('answered')).toBeLessThan(at('stopped'));
    expect(msgs.filter((m) => m === 'answered')).toHaveLength(1);
    expect(miner.lines[at('signature checks')]?.threads).toBe(2);

    // The answer is the image the pipeline makes for that seed.
    const config = loadMinerConfig({
      flags: {
        netuid: String(devnet.netuid),
        models: modelsSection(fixtures),
        tasks: { TextToImage: { models: ['tiny-sd'], volume: '10' } },
      },
    });
    const tasks = await buildTaskBackends(config, log, { env: {}, preload: false });
    const { model: _, ...params } = input;
    const want = await tasks.catalog.use('tiny-sd', 'diffusion', ({ pipeline }) =>
      pipeline.textToImage({ ...params, negative_prompt: '' }),
    );
    await tasks.close();
    expect(result.image_b64).toBe(imageBytesToBase64(want.png));
  }, 300_000);

  it('SIGINT (Ctrl-C) on an idle miner: it stops and the process exits 0', async () => {
    const port = await freePort();
    // Relative paths, taken from the folder the miner runs in (the wallets are in it).
    writeFileSync(
      join(walletPath, 'idle.yaml'),
      JSON.stringify({
        netuid: devnet.netuid,
        subtensor: { network: devnet.endpoint },
        wallet: { name: 'charlie', path: '.' },
        axon: { ip: '127.0.0.2', port, external_ip: '127.0.0.2' },
      }),
    );
    const miner = spawnMiner('idle.yaml');
    await miner.logged('miner ready');
    miner.child.kill('SIGINT');
    expect(await miner.exited).toEqual({ code: 0, signal: null });
    const msgs = miner.lines.map((l) => l.msg);
    expect(miner.lines.find((l) => l.msg === 'loading hotkey')?.path).toBe(walletPath);
    expect(miner.lines.find((l) => l.msg === 'stopping')?.signal).toBe('SIGINT');
    expect(msgs.at(-1)).toBe('stopped');
    expect(miner.stderr()).toBe('');
  }, 120_000);

  it('a second signal while it drains exits at once (130 for SIGINT), the request cut off', async () => {
    const port = await freePort();
    const bob = keys.bob as DevKeys;
    writeFileSync(
      join(walletPath, 'busy.yaml'),
      JSON.stringify({
        netuid: devnet.netuid,
        subtensor: { network: devnet.endpoint },
        wallet: { name: 'charlie', path: '.' },
        axon: { ip: '127.0.0.2', port, external_ip: '127.0.0.2' },
        blacklist: { allow_hotkeys: [bob.hotkey.address] },
        tasks: { TextToImage: { models: ['tiny-sd'], volume: 10 } },
        models: modelsSection(fixtures),
      }),
    );
    const miner = spawnMiner('busy.yaml');
    await miner.logged('miner ready');
    const dendrite = new Dendrite({ hotkey: hotkeyOfPair(bob.hotkey) });
    const answer = dendrite.call(
      { ip: '127.0.0.2', port, hotkey: (keys.charlie as DevKeys).hotkey.address },
      TextToImage,
      { prompt: 'a lighthouse', steps: 50, width: 1344, height: 1344, seed: 1, model: 'tiny-sd' },
      { timeout: 120 },
    );
    let settled = false;
    void answer.finally(() => {
      settled = true;
    });
    const running = async () => {
      const h = (await fetch(`http://127.0.0.2:${port}/healthz`).then((r) => r.json())) as {
        tasks: { task: string; running: number }[];
      };
      return h.tasks.some((t) => t.task === 'TextToImage' && t.running === 1);
    };
    while (!settled && !(await running())) await new Promise((r) => setTimeout(r, 5));
    miner.child.kill('SIGINT');
    await miner.logged('stopping');
    miner.child.kill('SIGINT');
    expect(await miner.exited).toEqual({ code: 130, signal: null });
    const result = await answer;
    await dendrite.close();
    expect(result.dendrite.status_code).not.toBe(200);
    const msgs = miner.lines.map((l) => l.msg);
    expect(msgs).toContain('second stop signal: exiting without draining');
    expect(msgs).not.toContain('answered');
    expect(msgs).not.toContain('stopped');
  }, 300_000);
});
