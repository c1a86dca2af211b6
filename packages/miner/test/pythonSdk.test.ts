/**
 * The reference Python SDK's dendrite (PyPI bittensor 10.x in .venv) asks the miner's axon for a
 * TextToImage and gets a 200 answer that equals what our own dendrite gets for the same task
 * (the tiny diffusion test model in real onnxruntime sessions; same seed, same PNG).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { type ModelFixtures, modelsSection, writeModelFixtures } from '@subnet/inference/testing';
import { Dendrite, type Hotkey } from '@subnet/protocol';
import { TextToImage } from '@subnet/protocol/tasks';
import { devHotkey } from '@subnet/protocol/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ACCESS_POLICY } from '../src/axon/accessPolicy';
import { buildMinerApp, type MinerApp } from '../src/axon/buildMinerApp';
import { MetagraphHolder, metagraphView } from '../src/axon/metagraphView';
import { loadMinerConfig } from '../src/config/loadConfig';
import { buildTaskBackends, type TaskBackends } from '../src/tasks/buildTaskBackends';

const PYTHON = resolve(import.meta.dirname, '../../../.venv/bin/python');
const SCRIPT = resolve(import.meta.dirname, 'python/sdk_text_to_image.py');

let fixtures: ModelFixtures;
let tasks: TaskBackends;
let miner: MinerApp;
let minerKey: Hotkey;
let alice: Hotkey;
let port: number;

beforeAll(async () => {
  if (!existsSync(PYTHON))
    throw new Error(`${PYTHON} is missing: run ./dev test (or bash scripts/python-env.sh)`);
  fixtures = await writeModelFixtures();
  const config = loadMinerConfig({
    flags: {
      netuid: '7',
      models: modelsSection(fixtures),
      tasks: { TextToImage: { models: ['tiny-sd'], volume: 10 } },
    },
  });
  const log = pino({ level: 'silent' });
  tasks = await buildTaskBackends(config, log, { env: {} });
  minerKey = await devHotkey('ferdie');
  alice = await devHotkey('alice');
  miner = buildMinerApp({
    hotkey: minerKey,
    metagraph: new MetagraphHolder(
      metagraphView(7, 1, [{ uid: 0, hotkey: alice.address, stake: 1000, validatorPermit: true }]),
    ),
    served: [
      {
        def: TextToImage,
        handler: tasks.backends.TextToImage as never,
        capacity: { volume: 10, models: ['tiny-sd'], loras: [] },
      },
    ],
    logger: log,
    access: DEFAULT_ACCESS_POLICY,
    admission: { tasks: {}, defaultLimits: { concurrency: 1, queue: 4 }, perValidator: 4 },
  });
  await miner.app.listen({ host: '127.0.0.1', port: 0 });
  port = (miner.app.server.address() as { port: number }).port;
});

afterAll(async () => {
  await miner?.app.close();
  await tasks?.close();
  await fixtures?.remove();
});

describe('the Python SDK dendrite → our miner', () => {
  it('gets 200 with the same image, hashes and CLIP embedding our dendrite gets', async () => {
    const { stdout } = await promisify(execFile)(PYTHON, [SCRIPT, String(port), minerKey.address], {
      timeout: 120_000,
    });
    const py = JSON.parse(stdout) as {
      dendrite_status: number;
      axon_status: number;
      image_b64: string;
      image_hashes: Record<string, string>;
      clip_dims: number;
      is_nsfw: boolean;
    };
    const dendrite = new Dendrite({ hotkey: alice });
    const ts = await dendrite.call(
      { ip: '127.0.0.1', port, hotkey: minerKey.address },
      TextToImage,
      {
        prompt: 'a lighthouse at dusk',
        steps: 2,
        cfg_scale: 2,
        width: 512,
        height: 512,
        seed: 42,
        model: 'tiny-sd',
      },
    );
    await dendrite.close();
    expect(ts.dendrite.status_code).toBe(200);
    expect(py.dendrite_status).toBe(200);
    expect(py.axon_status).toBe(200);
    expect(py.image_b64).toBe(ts.image_b64);
    expect(py.image_hashes).toEqual(ts.image_hashes);
    expect(py.clip_dims).toBe(ts.clip_embedding?.length);
    expect(py.clip_dims).toBeGreaterThan(0);
    expect(py.is_nsfw).toBe(ts.is_nsfw);
  });
});
