import type { Logger } from 'pino';

/**
 * Start-up work a process needs done but must not wait for (schedules that call Sitoo or Temporal):
 * each step runs on its own and is retried with exponential backoff until it succeeds, so an
 * outage at start-up delays it instead of stopping the process. Progress is logged and shown by
 * `status()` (the receivers put it in GET /healthz).
 */
export interface SetupStep {
  name: string;
  run: () => Promise<unknown>;
}

export interface SetupStatus {
  done: boolean;
  pending: string[];
  completed: string[];
  /** The latest failure of a step still pending. */
  lastError?: { step: string; message: string; attempts: number; at: string };
}

export interface BackoffOptions {
  firstDelayMs?: number;
  maxDelayMs?: number;
}

export function backgroundSetup(steps: SetupStep[], logger: Logger, backoff: BackoffOptions = {}) {
  const firstDelayMs = backoff.firstDelayMs ?? 1_000;
  const maxDelayMs = backoff.maxDelayMs ?? 60_000;
  const pending = new Set(steps.map((s) => s.name));
  const completed: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<string>();
  // Steps asked to run again while running: what they read may have changed since they began.
  const again = new Set<string>();
  let lastError: SetupStatus['lastError'];
  let stopped = false;

  async function attempt(step: SetupStep, attempts: number): Promise<void> {
    if (stopped) return;
    running.add(step.name);
    try {
      const result = await step.run();
      running.delete(step.name);
      if (again.delete(step.name)) return attempt(step, 1);
      pending.delete(step.name);
      completed.push(step.name);
      if (lastError?.step === step.name) lastError = undefined;
      logger.info({ step: step.name, attempts, result }, 'start-up step done');
      if (pending.size === 0) logger.info({ steps: completed }, 'start-up complete');
    } catch (err) {
      running.delete(step.name);
      again.delete(step.name);
      const delay = Math.min(maxDelayMs, firstDelayMs * 2 ** (attempts - 1));
      const message = err instanceof Error ? err.message : String(err);
      lastError = { step: step.name, message, attempts, at: new Date().toISOString() };
      logger.warn({ step: step.name, attempts, retryInMs: delay, err: message }, 'start-up step failed; retrying');
      if (stopped) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        void attempt(step, attempts + 1);
      }, delay);
      timer.unref();
      timers.add(timer);
    }
  }

  return {
    /** Begins every step at once; returns at once. */
    start(): void {
      for (const step of steps) void attempt(step, 1);
    },
    /**
     * Runs a step again (its input changed, e.g. the mapping): at once when it is done, after the
     * current attempt when it is running; a step waiting to retry reads the new input anyway.
     */
    rerun(name: string): void {
      const step = steps.find((s) => s.name === name);
      if (!step || stopped) return;
      if (running.has(name)) {
        again.add(name);
        return;
      }
      if (pending.has(name)) return;
      pending.add(name);
      completed.splice(completed.indexOf(name), 1);
      void attempt(step, 1);
    },
    status(): SetupStatus {
      return {
        done: pending.size === 0,
        pending: [...pending],
        completed: [...completed],
        ...(lastError && pending.size > 0 ? { lastError } : {}),
      };
    },
    stop(): void {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
