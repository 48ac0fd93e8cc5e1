import { z } from 'zod';
import { seededRandom } from './random';

/**
 * Fault injection shared by every simulator. Switchable at run time (in process through `set`,
 * or over HTTP through `POST /_sim/faults`), so the demo and the tests can make an outside system
 * slow, flaky, throttled, down, or - the nastiest case - apply a write and lose the response.
 */
export const faultConfigSchema = z.object({
  /** Added to every request before it is handled. */
  latencyMs: z.number().int().min(0).max(60_000),
  /** Probability (0..1) that a request is refused with a 5xx before it is applied. */
  errorRate: z.number().min(0).max(1),
  /** Probability (0..1) that a request is throttled (429 with Retry-After, or the API's own throttle shape). */
  throttleRate: z.number().min(0).max(1),
  /** Retry-After the throttle asks for, in seconds. */
  retryAfterSeconds: z.number().min(0).max(3600),
  /** While now is inside [from, until) (epoch ms) every request gets 503. */
  outage: z.object({ from: z.number(), until: z.number() }).nullable(),
  /** Probability (0..1) that a write is applied and its response is then lost (502 or a dropped socket). */
  lostResponseRate: z.number().min(0).max(1),
  /**
   * Probability (0..1) that a write sits in the server's queue and is applied only after
   * `lateCommitDelayMs`: by then the client has given up (its timeout), and a retry that looks
   * before creating finds nothing. BC online queues a request up to 8 minutes and runs it up to 10.
   */
  lateCommitRate: z.number().min(0).max(1),
  lateCommitDelayMs: z.number().int().min(0).max(600_000),
});
export type FaultConfig = z.infer<typeof faultConfigSchema>;

export const noFaults: FaultConfig = {
  latencyMs: 0,
  errorRate: 0,
  throttleRate: 0,
  retryAfterSeconds: 1,
  outage: null,
  lostResponseRate: 0,
  lateCommitRate: 0,
  lateCommitDelayMs: 15_000,
};

/** What the simulator should do with one request, decided before it is handled. */
export type FaultDecision = 'pass' | 'error' | 'throttle' | 'outage';

export interface FaultCounters {
  errors: number;
  throttles: number;
  outages: number;
  lostResponses: number;
  /** Writes held back for a late commit, and those of them applied by now. */
  lateCommits: number;
  lateCommitsApplied: number;
}

export class Faults {
  private config: FaultConfig = { ...noFaults };
  readonly counters: FaultCounters = {
    errors: 0,
    throttles: 0,
    outages: 0,
    lostResponses: 0,
    lateCommits: 0,
    lateCommitsApplied: 0,
  };
  private readonly random: () => number;

  constructor(initial: Partial<FaultConfig> = {}, seed = 42) {
    this.random = seededRandom(seed);
    this.set(initial);
  }

  get current(): FaultConfig {
    return this.config;
  }

  /** Merges a partial config; invalid input throws a zod error naming the field. */
  set(partial: Partial<FaultConfig>): FaultConfig {
    this.config = faultConfigSchema.parse({ ...this.config, ...partial });
    return this.config;
  }

  reset(): void {
    this.config = { ...noFaults };
  }

  decide(now = Date.now()): FaultDecision {
    const { outage, errorRate, throttleRate } = this.config;
    if (outage && now >= outage.from && now < outage.until) {
      this.counters.outages++;
      return 'outage';
    }
    if (errorRate > 0 && this.random() < errorRate) {
      this.counters.errors++;
      return 'error';
    }
    if (throttleRate > 0 && this.random() < throttleRate) {
      this.counters.throttles++;
      return 'throttle';
    }
    return 'pass';
  }

  /** Asked after a write was applied: should its response be lost? */
  loseResponse(): boolean {
    const lose = this.config.lostResponseRate > 0 && this.random() < this.config.lostResponseRate;
    if (lose) this.counters.lostResponses++;
    return lose;
  }

  /** Asked before a write is applied: should it be held back and applied only after the client gave up? */
  commitLate(): boolean {
    const late = this.config.lateCommitRate > 0 && this.random() < this.config.lateCommitRate;
    if (late) this.counters.lateCommits++;
    return late;
  }

  async delay(): Promise<void> {
    if (this.config.latencyMs > 0) await new Promise((r) => setTimeout(r, this.config.latencyMs));
  }
}
