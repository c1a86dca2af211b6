import { describe, expect, it } from 'vitest';
import { Slots, SlotsAborted } from './slots';

describe('Slots', () => {
  it('serves waiters first come, first served, as slots are given back', async () => {
    const slots = new Slots(2);
    expect([slots.tryTake(), slots.tryTake(), slots.tryTake()]).toEqual([true, true, false]);
    const order: string[] = [];
    const a = slots.take().then(() => order.push('a'));
    const b = slots.take().then(() => order.push('b'));
    expect(slots.waiting).toBe(2);
    slots.give();
    await a;
    slots.give();
    await b;
    expect(order).toEqual(['a', 'b']);
    expect([slots.busy, slots.waiting]).toEqual([2, 0]);
    slots.give();
    slots.give();
    expect(slots.busy).toBe(0);
  });

  it('drops every waiter of an aborted signal without a slot, with one listener on it', async () => {
    const slots = new Slots(1);
    slots.tryTake();
    const abort = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    // Far more waiters than the default listener limit (10) on one signal.
    const waits = Array.from({ length: 50 }, () => slots.take(abort.signal));
    const run = slots.run(abort.signal, async () => 'ran');
    abort.abort();
    expect(await Promise.all(waits)).toEqual(Array(50).fill(false));
    await expect(run).rejects.toBeInstanceOf(SlotsAborted);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(warnings.map((w) => w.name)).toEqual([]);
    expect([slots.busy, slots.waiting]).toEqual([1, 0]);
    // The slot held all along is still there to give back, and then to take.
    slots.give();
    expect(await slots.take(new AbortController().signal)).toBe(true);
  });

  it('refuses a size below 1', () => {
    expect(() => new Slots(0)).toThrow(RangeError);
  });
});
