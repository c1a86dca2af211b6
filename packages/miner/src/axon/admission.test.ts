import { describe, expect, it } from 'vitest';
import { AdmissionGate, type Release } from './admission';

const far = () => performance.now() + 60_000;
const gate = (concurrency: number, queue: number, perValidator = 100) =>
  new AdmissionGate({
    tasks: { T: { concurrency, queue } },
    defaultLimits: { concurrency: 1, queue: 0 },
    perValidator,
  });
const req = (hotkey: string, priority: number, deadlineMs = far()) => ({
  task: 'T',
  hotkey,
  priority,
  deadlineMs,
});

describe('AdmissionGate', () => {
  it('runs up to `concurrency` at once and refuses with 429 when the queue is full', async () => {
    const g = gate(2, 0);
    const a = await g.admit(req('a', 1));
    await g.admit(req('b', 1));
    await expect(g.admit(req('c', 1))).rejects.toMatchObject({
      status: 429,
      code: 'MINER_OVERLOADED',
    });
    a();
    await expect(g.admit(req('c', 1))).resolves.toBeTypeOf('function');
  });

  it('hands freed slots to waiters by stake, first come among equals', async () => {
    const g = gate(1, 3);
    const first = await g.admit(req('holder', 0));
    const order: string[] = [];
    const wait = (hk: string, p: number) =>
      g.admit(req(hk, p)).then((release: Release) => {
        order.push(hk);
        release();
      });
    const all = Promise.all([wait('low', 1), wait('high', 10), wait('mid-1', 5)]);
    expect(g.snapshot()).toEqual([{ task: 'T', running: 1, waiting: 3 }]);
    first();
    await all;
    expect(order).toEqual(['high', 'mid-1', 'low']);
    expect(g.snapshot()).toEqual([{ task: 'T', running: 0, waiting: 0 }]);
  });

  it('a newcomer with more stake takes the place of the lowest waiter when the queue is full', async () => {
    const g = gate(1, 1);
    const hold = await g.admit(req('holder', 0));
    const low = g.admit(req('low', 1));
    const high = g.admit(req('high', 9));
    await expect(low).rejects.toMatchObject({
      status: 429,
      message: 'T queue place taken by a caller with more stake',
    });
    await expect(g.admit(req('lower', 0.5))).rejects.toMatchObject({ status: 429 });
    hold();
    await expect(high).resolves.toBeTypeOf('function');
  });

  it('limits requests per validator across running and waiting', async () => {
    const g = gate(1, 5, 2);
    await g.admit(req('v', 1));
    void g.admit(req('v', 1));
    await expect(g.admit(req('v', 1))).rejects.toMatchObject({
      status: 429,
      message: 'validator v already has 2 requests in flight (limit 2)',
    });
    void g.admit(req('w', 1));
  });

  it('a waiter past its deadline leaves with 408 and frees its place', async () => {
    const g = gate(1, 1);
    await g.admit(req('holder', 0));
    const late = g.admit(req('late', 1, performance.now() + 30));
    await expect(late).rejects.toMatchObject({ status: 408, code: 'MINER_QUEUE_TIMEOUT' });
    expect(g.snapshot()).toEqual([{ task: 'T', running: 1, waiting: 0 }]);
  });

  it('a waiter whose caller went away leaves the queue', async () => {
    const g = gate(1, 1);
    await g.admit(req('holder', 0));
    const abort = new AbortController();
    const gone = g.admit({ ...req('gone', 1), signal: abort.signal });
    abort.abort();
    await expect(gone).rejects.toMatchObject({ status: 408, message: 'the caller went away' });
    expect(g.snapshot()[0]?.waiting).toBe(0);
  });
});
