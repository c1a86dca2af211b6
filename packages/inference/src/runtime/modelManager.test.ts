import { describe, expect, it } from 'vitest';
import { InferenceErrorCode } from '../errors';
import { tinyDecoderBytes } from '../testing/tinyLlm';
import { type ModelLease, ModelManager } from './modelManager';
import type { InferenceSession } from './ort';
import { parseRuntimeConfig } from './runtimeConfig';
import { createSession } from './sessionFactory';

/** A manager whose models are real onnxruntime sessions of the tiny decoder, 100 "bytes" each. */
function sessionManager(budget: number, waitForRoomMs = 0) {
  const disposed: string[] = [];
  const config = parseRuntimeConfig({ intraOpNumThreads: 1 });
  const manager = new ModelManager<InferenceSession>({
    budgets: { cpu: budget },
    waitForRoomMs,
    plan: () => ({ device: 'cpu', bytes: 100 }),
    load: async (id) => {
      const { session, device } = await createSession(tinyDecoderBytes(), config);
      return {
        value: session,
        device,
        dispose: async () => {
          disposed.push(id);
          await session.release();
        },
      };
    },
  });
  return { manager, disposed };
}

describe('ModelManager', () => {
  it('evicts the idle least-recently-used model for a third one over budget, never a busy one', async () => {
    const { manager, disposed } = sessionManager(250);
    const a = await manager.acquire('a'); // oldest, and kept busy
    const b = await manager.acquire('b');
    b.release();
    const c = await manager.acquire('c');
    expect(disposed).toEqual(['b']);
    expect(manager.loaded().map((m) => [m.id, m.inUse])).toEqual([
      ['a', 1],
      ['c', 1],
    ]);
    expect(manager.stats()).toEqual({ loads: 3, evictions: 1, used: { cpu: 200 } });
    // The busy model still runs.
    expect(a.value.inputNames).toContain('input_ids');
    c.release();
    a.release();
    const d = await manager.acquire('d');
    expect(disposed).toEqual(['b', 'c']);
    d.release();
    await manager.close();
  });

  it('refuses a model when every other model on the device is busy', async () => {
    const { manager } = sessionManager(200);
    const held: ModelLease<InferenceSession>[] = [
      await manager.acquire('a'),
      await manager.acquire('b'),
    ];
    await expect(manager.acquire('c')).rejects.toMatchObject({
      code: InferenceErrorCode.OverBudget,
      message: expect.stringContaining('held by a (100 bytes, 1 in use), b (100 bytes, 1 in use)'),
    });
    expect(manager.loaded().map((m) => m.id)).toEqual(['a', 'b']);
    for (const l of held) l.release();
    await manager.close();
  });

  it('can wait for a busy model to be released instead of failing', async () => {
    const { manager, disposed } = sessionManager(200, 30_000);
    const a = await manager.acquire('a');
    const b = await manager.acquire('b');
    const c = manager.acquire('c');
    await new Promise((r) => setImmediate(r));
    expect(manager.loaded().map((m) => m.id)).toEqual(['a', 'b', 'c']);
    b.release();
    const leaseC = await c;
    expect(disposed).toEqual(['b']);
    expect(manager.loaded().map((m) => [m.id, m.state])).toEqual([
      ['a', 'ready'],
      ['c', 'ready'],
    ]);
    a.release();
    leaseC.release();
    await manager.close();
  });

  it('loads a model once for concurrent requests and reuses it', async () => {
    const { manager } = sessionManager(1000);
    const [x, y] = await Promise.all([manager.acquire('a'), manager.acquire('a')]);
    expect(x.value).toBe(y.value);
    expect(manager.loaded()).toEqual([
      { id: 'a', device: 'cpu', bytes: 100, inUse: 2, state: 'ready' },
    ]);
    x.release();
    x.release();
    expect(manager.loaded()[0]?.inUse).toBe(1);
    y.release();
    await manager.use('a', async () => undefined);
    expect(manager.stats().loads).toBe(1);
    await manager.close();
    expect(manager.loaded()).toEqual([]);
  });

  it('forgets a model whose load failed so a later request can retry', async () => {
    let fail = true;
    const manager = new ModelManager<string>({
      budgets: {},
      plan: () => ({ device: 'cpu', bytes: 1 }),
      load: async () => {
        if (fail) throw new Error('disk gone');
        return { value: 'ok', dispose: async () => undefined };
      },
    });
    await expect(manager.acquire('m')).rejects.toThrow('disk gone');
    expect(manager.loaded()).toEqual([]);
    fail = false;
    expect((await manager.acquire('m')).value).toBe('ok');
  });
});
