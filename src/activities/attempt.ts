import { Context } from '@temporalio/activity';

/**
 * One activity attempt's lifetime, as the outside calls it makes should see it.
 *
 * Temporal retries an attempt that outlived its start-to-close or heartbeat timeout while the
 * first may still be running: its HTTP calls, or the calls still waiting for a place in a client's
 * concurrency limit, would then go out beside the retry's and write twice. So every call an
 * attempt makes is bound to the attempt: it is aborted when Temporal cancels the attempt (which
 * reaches a worker through heartbeats) and when the attempt's own deadline passes, a little before
 * the server gives up on it, so a retry never starts while this attempt can still send anything.
 */
const signals = new WeakMap<object, AbortSignal>();

/** How long before the server's start-to-close timeout an attempt stops sending: 10 %, within 0.5-5 s. */
export function deadlineMargin(startToCloseMs: number): number {
  return Math.min(5_000, Math.max(500, Math.floor(startToCloseMs / 10)));
}

/** Bound by the worker's attempt interceptor when an attempt starts (see workers/attempt-interceptor.ts). */
export function bindAttemptSignal(ctx: object, signal: AbortSignal): void {
  signals.set(ctx, signal);
}

/**
 * The current attempt's signal, for every connector call an activity makes. Outside an activity
 * (a script, a unit test calling the function directly) there is no attempt and no signal.
 */
export function attemptSignal(): AbortSignal | undefined {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return undefined;
  }
  return signals.get(ctx) ?? ctx.cancellationSignal;
}

/** Whether an earlier attempt of this activity ran: the writes it sent may still land. */
export function isLaterAttempt(): boolean {
  try {
    return Context.current().info.attempt > 1;
  } catch {
    return false;
  }
}

/**
 * Runs one write per business key at a time in this process. Two attempts of one activity can land
 * on the same worker (a retry while the timed-out attempt is still unwinding); the second waits for
 * the first, then looks again and finds what the first wrote. Across processes, attempt deadlines
 * and the look-after-create checks cover the rest.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    // Whoever comes next waits for the one before us too, even if we give up waiting.
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    try {
      await abortable(previous, signal);
      return await fn();
    } finally {
      release();
      // The last one out leaves nothing behind, so the map holds only keys in use.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys being written or waited for now (for tests). */
  get size(): number {
    return this.tails.size;
  }
}

function abortable(wait: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return wait;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    wait.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, reject);
  });
}
