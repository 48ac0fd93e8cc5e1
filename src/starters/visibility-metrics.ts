import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { SA } from '../workflows/search-attributes';
import { DEFAULT_OWNER, DEFAULT_SLA, type ExceptionType } from '../domain/exceptions';
import { parseDuration } from '../domain/duration';

/**
 * Gauges read from Temporal's visibility, by one collector in the receiver process: parked
 * exceptions by type, owner and store with the age of the oldest of each type, and the sales still
 * running per store (the backlog). Each round is two paged list calls, whatever the number of
 * stores: visibility cannot group by store (only by ExecutionStatus), and a count per store would
 * be 500 calls a round. The stores are counted here from each execution's search attributes.
 *
 * When an exception was parked comes from its `ExceptionSince` search attribute; for a run parked
 * before that attribute existed it is read once per parked run from its `status` query (every parking flow serves one with
 * `exception.since`) and remembered; until then, and for a run whose query fails (its worker is
 * down), the run's start time stands in, which can only make an exception look older.
 */
export interface VisibilityMetricsOptions {
  client: Client;
  registry: Registry;
  logger: Logger;
  /** Between the end of one round and the start of the next. */
  intervalMs: number;
  /** Per listing; more are left uncounted and a warning logged (default 50,000). */
  maxListed?: number;
  /** New parked runs whose `status` is asked per round (default 200), a few at a time. */
  maxQueriesPerRound?: number;
  /** The SLA of each exception type in force (EXCEPTION_SLAS over the defaults): what `overdue` counts against. */
  slas?: Record<ExceptionType, string>;
}

const NO_STORE = 'none';
const PARKED = `ExecutionStatus = 'Running' AND ${SA.exceptionType.name} IS NOT NULL`;
const RUNNING_SALES = `WorkflowType = 'saleWorkflow' AND ExecutionStatus = 'Running'`;

export function startVisibilityMetrics(opts: VisibilityMetricsOptions) {
  const { client, registry, logger } = opts;
  const maxListed = opts.maxListed ?? 50_000;
  const maxQueries = opts.maxQueriesPerRound ?? 200;
  const parked = new Gauge({
    name: 'retail_exceptions_parked',
    help: 'Parked exceptions (running workflows with ExceptionType set) by type, owner and store (StoreId, "none" when unknown)',
    labelNames: ['type', 'owner', 'store'],
    registers: [registry],
  });
  // Oldest parked time per type and owner, as of the last round; the age is taken at each scrape.
  let oldest = new Map<string, { type: string; owner: string; since: number }>();
  new Gauge({
    name: 'retail_exceptions_oldest_age_seconds',
    help: 'Age of the oldest parked exception of each type and owner (since it was parked)',
    labelNames: ['type', 'owner'],
    registers: [registry],
    collect() {
      this.reset();
      const now = Date.now();
      for (const o of oldest.values()) this.set({ type: o.type, owner: o.owner }, Math.max(0, (now - o.since) / 1000));
    },
  });
  // Parked exceptions past their type's SLA, as of the last round (the alert RetailExceptionPastSla).
  let overdueCounts = new Map<string, { type: string; owner: string; n: number }>();
  const slaMs = new Map(Object.entries(opts.slas ?? DEFAULT_SLA).map(([type, sla]) => [type, parseDuration(sla)!]));
  new Gauge({
    name: 'retail_exceptions_overdue',
    help: "Parked exceptions past their type's SLA (EXCEPTION_SLAS), by type and owner",
    labelNames: ['type', 'owner'],
    registers: [registry],
    collect() {
      this.reset();
      // Every type shows, 0 when none is overdue: a series that exists can be alerted on and graphed.
      for (const [type, owner] of Object.entries(DEFAULT_OWNER)) this.set({ type, owner }, 0);
      for (const o of overdueCounts.values()) this.set({ type: o.type, owner: o.owner }, o.n);
    },
  });
  new Gauge({
    name: 'retail_exception_sla_seconds',
    help: 'The SLA of each exception type in force',
    labelNames: ['type'],
    registers: [registry],
    collect() {
      for (const [type, ms] of slaMs) this.set({ type }, ms / 1000);
    },
  });
  const runningSales = new Gauge({
    name: 'retail_sales_running',
    help: 'Sale workflows still running per store (StoreId; "none" before the order was read): the per-store backlog',
    labelNames: ['store'],
    registers: [registry],
  });
  const lastRound = new Gauge({
    name: 'retail_visibility_metrics_timestamp_seconds',
    help: 'When the visibility gauges were last read in full',
    registers: [registry],
  });
  const roundSeconds = new Gauge({
    name: 'retail_visibility_metrics_duration_seconds',
    help: 'How long the last full read of the visibility gauges took',
    registers: [registry],
  });
  const failures = new Counter({
    name: 'retail_visibility_metrics_failures_total',
    help: 'Rounds of the visibility gauges that failed (the gauges keep their last values)',
    registers: [registry],
  });

  // When each parked run was parked, by run and type: asked once, forgotten when it is no longer parked.
  const sinceOf = new Map<string, number>();

  async function* listed(query: string): AsyncGenerator<WorkflowExecutionInfo> {
    let n = 0;
    for await (const wf of client.workflow.list({ query, pageSize: 1000 })) {
      if (++n > maxListed) {
        logger.warn({ query, maxListed }, 'visibility metrics: more executions than counted; the gauges are low');
        return;
      }
      yield wf;
    }
  }

  async function parkedSince(wf: WorkflowExecutionInfo, type: string, asked: { n: number }): Promise<number> {
    // Parked since ExceptionSince was set (issue 14): the search attribute says it, no query needed.
    const filed = wf.typedSearchAttributes.get(SA.exceptionSince);
    if (filed) return filed.getTime();
    const key = `${wf.workflowId}\u0000${wf.runId}\u0000${type}`;
    const known = sinceOf.get(key);
    if (known !== undefined) return known;
    if (asked.n >= maxQueries) return wf.startTime.getTime();
    asked.n++;
    try {
      const status = await client.withDeadline(Date.now() + 5_000, () =>
        client.workflow
          .getHandle(wf.workflowId, wf.runId)
          .query<{ exception?: { type?: string; since?: string } }>('status'),
      );
      const since = Date.parse(status.exception?.since ?? '');
      if (status.exception?.type === type && Number.isFinite(since)) {
        sinceOf.set(key, since);
        return since;
      }
    } catch (err) {
      logger.debug(
        { workflowId: wf.workflowId, err: (err as Error).message },
        'visibility metrics: status query failed',
      );
    }
    return wf.startTime.getTime();
  }

  async function round(): Promise<void> {
    const started = Date.now();
    const counts = new Map<string, { labels: { type: string; owner: string; store: string }; n: number }>();
    const nextOldest = new Map<string, { type: string; owner: string; since: number }>();
    const nextOverdue = new Map<string, { type: string; owner: string; n: number }>();
    const seen = new Set<string>();
    const asked = { n: 0 };
    const pending: Array<Promise<void>> = [];
    for await (const wf of listed(PARKED)) {
      const attrs = wf.typedSearchAttributes;
      const type = attrs.get(SA.exceptionType) ?? 'unknown';
      const owner = attrs.get(SA.exceptionOwner) ?? 'unknown';
      const store = attrs.get(SA.storeId) ?? NO_STORE;
      const key = `${type}\u0000${owner}\u0000${store}`;
      const count = counts.get(key) ?? counts.set(key, { labels: { type, owner, store }, n: 0 }).get(key)!;
      count.n++;
      seen.add(`${wf.workflowId}\u0000${wf.runId}\u0000${type}`);
      pending.push(
        parkedSince(wf, type, asked).then((since) => {
          const k = `${type}\u0000${owner}`;
          const o = nextOldest.get(k);
          if (!o || since < o.since) nextOldest.set(k, { type, owner, since });
          const sla = slaMs.get(type);
          if (sla !== undefined && started - since > sla) {
            const d = nextOverdue.get(k) ?? nextOverdue.set(k, { type, owner, n: 0 }).get(k)!;
            d.n++;
          }
        }),
      );
      // A few status queries at a time: the listing waits for them rather than piling them up.
      if (pending.length >= 8) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    for (const key of sinceOf.keys()) if (!seen.has(key)) sinceOf.delete(key);

    const sales = new Map<string, number>();
    for await (const wf of listed(RUNNING_SALES)) {
      const store = wf.typedSearchAttributes.get(SA.storeId) ?? NO_STORE;
      sales.set(store, (sales.get(store) ?? 0) + 1);
    }

    // Swapped in at once, so a scrape never sees half a round.
    parked.reset();
    for (const { labels, n } of counts.values()) parked.set(labels, n);
    oldest = nextOldest;
    overdueCounts = nextOverdue;
    runningSales.reset();
    for (const [store, n] of sales) runningSales.set({ store }, n);
    lastRound.set(Date.now() / 1000);
    roundSeconds.set((Date.now() - started) / 1000);
  }

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let current: Promise<void> | undefined;
  const loop = () => {
    current = round()
      .catch((err: unknown) => {
        failures.inc();
        logger.warn({ err: (err as Error).message }, 'visibility metrics: round failed; gauges keep their last values');
      })
      .finally(() => {
        current = undefined;
        if (!stopped) {
          timer = setTimeout(loop, opts.intervalMs);
          timer.unref();
        }
      });
  };
  if (opts.intervalMs > 0) loop();

  return {
    /** Runs a round now (tests); waits for one already running first. */
    async collectNow(): Promise<void> {
      await current;
      await round();
    },
    stop(): void {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
