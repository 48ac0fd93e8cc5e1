/**
 * At most `max` calls in flight; the rest wait their turn in arrival order. For APIs that process
 * a few requests per client at a time and queue the rest server-side (Business Central: 5), where a
 * burst of callers would otherwise time out in the server's queue and retry, doing the work twice.
 */
export class ConcurrencyLimit {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new Error(`a concurrency limit must be a whole number of at least 1, got ${max}`);
  }

  /** Runs `call` once a place is free. A caller whose signal aborts while waiting leaves the queue. */
  async run<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.enter(signal);
    try {
      return await call();
    } finally {
      this.leave();
    }
  }

  private enter(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.inFlight < this.max) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = this.waiting.indexOf(admit);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal!.reason);
      };
      // The place is handed over by leave(): inFlight stays counted for the next caller.
      const admit = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(admit);
    });
  }

  private leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight--;
  }
}
