import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from '../../src/connectors/concurrency-limit';

/** A call the test finishes by hand, recording when it started. */
function controlled(started: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { call: () => (started.push(name), done.then(() => name)), finish };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('ConcurrencyLimit', () => {
  it('runs at most max calls at once and admits the waiting ones in arrival order', async () => {
    const limit = new ConcurrencyLimit(2);
    const started: string[] = [];
    const calls = ['a', 'b', 'c', 'd'].map((n) => controlled(started, n));
    const results = calls.map((c) => limit.run(c.call));
    await settle();
    expect(started).toEqual(['a', 'b']);
    calls[1]!.finish();
    await settle();
    expect(started).toEqual(['a', 'b', 'c']);
    calls[0]!.finish();
    calls[2]!.finish();
    await settle();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    calls[3]!.finish();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('frees the place when a call fails', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(() => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(await limit.run(async () => 'next')).toBe('next');
  });

  it('a caller whose signal aborts while waiting leaves the queue without taking a place', async () => {
    const limit = new ConcurrencyLimit(1);
    const started: string[] = [];
    const first = controlled(started, 'first');
    const running = limit.run(first.call);
    const abort = new AbortController();
    const waiting = limit.run(controlled(started, 'gave-up').call, abort.signal);
    const after = controlled(started, 'after');
    const next = limit.run(after.call);
    abort.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    first.finish();
    after.finish();
    expect([await running, await next]).toEqual(['first', 'after']);
    expect(started).toEqual(['first', 'after']);
  });

  it('refuses a limit below one', () => {
    expect(() => new ConcurrencyLimit(0)).toThrow('at least 1');
  });
});
