import { describe, expect, it } from 'vitest';
import { businessDayWindow } from '../../src/domain/business-day';
import { cachedStoreHealth, type HealthSnapshot, type StoreHealthReader } from '../../src/client/store-health';
import { receivedEvents } from '../../src/starters/received-events';

/** A reader that answers when told to, counting its reads. */
function controlledReader() {
  const pending: Array<{ resolve: (s: HealthSnapshot) => void; reject: (e: Error) => void }> = [];
  let reads = 0;
  const reader: StoreHealthReader = {
    read: () =>
      new Promise<HealthSnapshot>((resolve, reject) => {
        reads++;
        pending.push({ resolve, reject });
      }),
  };
  const snapshot = (n: number) => ({ generatedAt: `read ${n}` }) as unknown as HealthSnapshot;
  return {
    reader,
    reads: () => reads,
    answer: (n: number) => pending.shift()!.resolve(snapshot(n)),
    fail: () => pending.shift()!.reject(new Error('visibility unavailable')),
  };
}

const settled = () => new Promise((r) => setImmediate(r));

describe('the store health cache', () => {
  it('makes the first caller wait, serves the last snapshot at once after, and reads again in the background once it is stale, one read at a time', async () => {
    let now = 0;
    const errors: unknown[] = [];
    const r = controlledReader();
    const cache = cachedStoreHealth(r.reader, 15_000, { now: () => now, onError: (e) => errors.push(e) });

    const first = cache.read();
    const alsoFirst = cache.read();
    expect(r.reads()).toBe(1);
    r.answer(1);
    expect((await first).generatedAt).toBe('read 1');
    expect((await alsoFirst).generatedAt).toBe('read 1');

    now = 10_000;
    expect((await cache.read()).generatedAt).toBe('read 1');
    expect(r.reads()).toBe(1);

    // Stale: answered from the last snapshot, one read started behind it, however many ask.
    now = 16_000;
    expect((await cache.read()).generatedAt).toBe('read 1');
    expect((await cache.read()).generatedAt).toBe('read 1');
    expect(r.reads()).toBe(2);
    r.answer(2);
    await settled();
    expect((await cache.read()).generatedAt).toBe('read 2');

    // A failed refresh keeps the last snapshot and is reported; the next caller tries again.
    now = 40_000;
    expect((await cache.read()).generatedAt).toBe('read 2');
    r.fail();
    await settled();
    expect(errors).toHaveLength(1);
    expect((await cache.read()).generatedAt).toBe('read 2');
    expect(r.reads()).toBe(4);

    // Another request (one store, another date) has its own snapshot.
    const other = cache.read({ stores: ['S02'], date: '2026-11-30' });
    expect(r.reads()).toBe(5);
    r.answer(3); // the refresh of the default request
    r.answer(4);
    expect((await other).generatedAt).toBe('read 4');
  });
});

describe("the receiver's event counts", () => {
  it("count a store's own day in its zone, whatever the offset, and keep the last arrival", () => {
    let now = Date.parse('2026-11-29T22:50:00Z'); // 23:50 in Stockholm, 04:20 in Kolkata on the 30th
    const events = receivedEvents(() => now, 'receiver-1');
    events.record(101);
    now = Date.parse('2026-11-29T23:05:00Z'); // 00:05 on the 30th in Stockholm
    events.record(101);
    events.record(101);
    events.record(102);
    const ms = (w: { from: number; to: number }) => [w.from * 1000, w.to * 1000] as const;
    expect(events.count(101, ...ms(businessDayWindow('2026-11-29', 'Europe/Stockholm')))).toBe(1);
    expect(events.count(101, ...ms(businessDayWindow('2026-11-30', 'Europe/Stockholm')))).toBe(2);
    expect(events.count(101, ...ms(businessDayWindow('2026-11-30', 'Asia/Kolkata')))).toBe(3);
    expect(events.count(102, ...ms(businessDayWindow('2026-11-30', 'Europe/Stockholm')))).toBe(1);
    expect(events.count(103, ...ms(businessDayWindow('2026-11-30', 'Europe/Stockholm')))).toBe(0);
    expect(events.last(101)).toBe(now);
    expect(events.last(103)).toBeUndefined();
    expect(events.receiver).toBe('receiver-1');
  });
});
