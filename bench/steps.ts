import type { PosSale } from '../src/simulators/sitoo';
import { stockSyncWorkflowId } from '../src/domain/ids';
import type { LocalStack } from '../src/local/stack';
import { stockStatusQuery, type StockSyncStatus } from '../src/workflows/stock-contract';
import type { StockDriftInput, StockDriftResult } from '../src/workflows/stock-contract';
import { TASK_QUEUES } from '../src/workflows/task-queues';
import type { BaselineStep } from './baseline';
import { startBatch } from './batch';
import { runOpenLoop, type LatencyTracker } from './load';
import type { InventoryReport, InventoryStep, Target } from './report';
import { bounded, ratio, sleep, type ResourceSampler } from './stats';

/** One rate step of the inventory benchmark, and the checks and verdicts around the steps. */
export interface StepContext {
  stack: LocalStack;
  tracker: LatencyTracker;
  resources: ResourceSampler;
  makeSale: () => PosSale;
  seconds: number;
  say: (line: string) => void;
  signal: AbortSignal;
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

export async function coalescerStatus(stack: LocalStack, signal: AbortSignal): Promise<StockSyncStatus | undefined> {
  if (signal.aborted) return undefined;
  return bounded(stack.client, signal, () =>
    stack.client.workflow.getHandle(stockSyncWorkflowId(stack.env.SITOO_ACCOUNT_ID)).query(stockStatusQuery),
  ).catch(() => undefined);
}

/** Nothing pending and nothing flushing, twice in a row (a coalescer not started yet counts as idle). */
async function waitCoalescerIdle(stack: LocalStack, deadline: number, signal: AbortSignal): Promise<boolean> {
  let quiet = 0;
  while (quiet < 2 && Date.now() < deadline && !signal.aborted) {
    const s = await coalescerStatus(stack, signal);
    quiet = !s || (s.pendingTransactions === 0 && s.pendingKeys === 0 && !s.flushing) ? quiet + 1 : 0;
    if (quiet < 2) await sleep(200, signal);
  }
  return quiet >= 2;
}

/** Until no sale workflow is running (the main queue's backlog is gone), or the deadline; returns seconds waited. */
export async function waitMainIdle(
  stack: LocalStack,
  deadline: number,
  say: (l: string) => void,
  signal: AbortSignal,
): Promise<{ seconds: number; running: number }> {
  const t0 = Date.now();
  let running: number;
  let lastSaid = t0;
  for (;;) {
    running = (
      await bounded(stack.client, signal, () =>
        stack.client.workflow.count(`WorkflowType = 'saleWorkflow' AND ExecutionStatus = 'Running'`),
      ).catch(() => ({ count: NaN }))
    ).count;
    if (running === 0 || Date.now() >= deadline || signal.aborted) break;
    if (Date.now() - lastSaid >= 10_000) {
      say(`  waiting for the main queue: ${running} sale workflows still running`);
      lastSaid = Date.now();
    }
    await sleep(1_000, signal);
  }
  return { seconds: (Date.now() - t0) / 1000, running };
}

/**
 * Plays one step, waits until its stock is on the web and the coalescer is idle, then (unless it is
 * the last step, which leaves nothing behind it to disturb) until the main queue has no sale running.
 */
export async function runInventoryStep(
  ctx: StepContext,
  index: number,
  rate: number,
  opts: { batch?: { orderIds: number[] }; label?: string; last?: boolean } = {},
): Promise<InventoryStep> {
  const { stack, tracker, say, signal } = ctx;
  const batch = opts.batch;
  const label = opts.label ?? `${rate}/s${batch ? ' + batch' : ''}`;
  const stepId = `step-${index}`;
  const opsBefore = new Map(stack.ecommerce.operations);
  const throttledBefore = sum(stack.ecommerce.throttled) + stack.ecommerce.faults.counters.throttles;
  const flushesBefore = (await coalescerStatus(stack, signal))?.totals.flushes ?? 0;
  await ctx.resources.window();
  say(
    `Step ${label}: ${ctx.seconds}s of store sales${batch ? `, with ${batch.orderIds.length} batch sale workflows started on the main queue` : ''}...`,
  );
  const running = batch ? startBatch(stack, batch.orderIds, 50, signal) : undefined;
  let fired = 0;
  const t0 = Date.now();
  const progress = setInterval(() => {
    const l = tracker.latency(stepId);
    say(
      `  ${label} t=${((Date.now() - t0) / 1000).toFixed(0)}s: ${fired} sales, ${l.transactions - l.unreflected} on the web, p99 so far ${Number.isFinite(l.acceptedToWeb.p99) ? l.acceptedToWeb.p99.toFixed(0) : '-'} ms, Sitoo events queued ${stack.sitoo.events.pending}${running ? `, batch booked ${running.booked()}/${batch!.orderIds.length}` : ''}`,
    );
  }, 5_000);
  let load;
  try {
    load = await runOpenLoop(
      rate,
      ctx.seconds,
      () => {
        tracker.sell(ctx.makeSale(), stepId);
        fired++;
      },
      signal,
    );
  } finally {
    clearInterval(progress);
  }
  const bookedAtStepEnd = running?.booked() ?? 0;
  const drainStart = Date.now();
  const deadline = drainStart + Math.max(120_000, ctx.seconds * 10_000);
  const left = await tracker.waitReflected(stepId, deadline, signal);
  const idle = await waitCoalescerIdle(stack, deadline, signal);
  const drainSeconds = (Date.now() - drainStart) / 1000;
  if (left) say(`  ${label}: ${left} stock transactions still not on the web after ${drainSeconds.toFixed(0)} s`);
  if (!idle) say(`  ${label}: the coalescer did not go idle within the drain deadline`);
  const resources = await ctx.resources.window();
  const operations: Record<string, number> = {};
  for (const [op, n] of stack.ecommerce.operations)
    if (n - (opsBefore.get(op) ?? 0) > 0) operations[op] = n - (opsBefore.get(op) ?? 0);
  const ecommerceCalls = Object.values(operations).reduce((a, b) => a + b, 0);
  const flushes = ((await coalescerStatus(stack, signal))?.totals.flushes ?? flushesBefore) - flushesBefore;
  const latency = tracker.latency(stepId);
  // Interrupted: the dev server is gone with the Ctrl-C, so the start calls still in flight are not awaited.
  const starts = running && !signal.aborted ? await running.started : undefined;
  const bookedAtStockDrain = running?.booked() ?? 0;
  const backlog =
    signal.aborted || opts.last
      ? { seconds: NaN, running: NaN }
      : await waitMainIdle(stack, Date.now() + Math.max(120_000, ctx.seconds * 10_000), say, signal);
  const step: InventoryStep = {
    label,
    rate,
    withBatch: !!batch,
    seconds: ctx.seconds,
    load,
    sales: load.fired,
    latency,
    throughput: latency.measured / Math.max(0.001, (latency.lastReflectedAt - load.startedAt) / 1000),
    ecommerceCalls,
    callsPerSale: ecommerceCalls / Math.max(1, load.fired),
    operations,
    throttled: sum(stack.ecommerce.throttled) + stack.ecommerce.faults.counters.throttles - throttledBefore,
    flushes,
    resources,
    drainSeconds,
    mainBacklogSeconds: backlog.seconds,
    ...(running && starts
      ? {
          batch: {
            size: batch!.orderIds.length,
            startsSeconds: starts.seconds,
            startFailures: starts.failed,
            bookedAtStepEnd,
            bookedAtStockDrain,
          },
        }
      : {}),
  };
  if (backlog.running > 0)
    say(`  ${label}: ${backlog.running} sale workflows still running after ${backlog.seconds.toFixed(0)} s`);
  const a = latency.acceptedToWeb;
  say(
    `Step ${label} done: ${step.sales} sales at ${load.achievedRate.toFixed(1)}/s, p50 ${a.p50.toFixed(0)} ms, p99 ${a.p99.toFixed(0)} ms, ${step.callsPerSale.toFixed(2)} calls/sale, ${flushes} flushes, drained in ${drainSeconds.toFixed(1)} s${Number.isFinite(backlog.seconds) ? `, main queue idle after ${backlog.seconds.toFixed(0)} s more` : ''}`,
  );
  return step;
}

/** The drift check the deployed system runs on a schedule; run once after the warm-up it leaves the inventory worker knowing every web level. */
export async function runSystemDriftCheck(stack: LocalStack, signal: AbortSignal): Promise<number> {
  const result = await bounded(
    stack.client,
    signal,
    () =>
      stack.client.workflow.execute<(input: StockDriftInput) => Promise<StockDriftResult>>('stockDriftWorkflow', {
        workflowId: `bench-drift-check-${Date.now()}`,
        taskQueue: TASK_QUEUES.inventory,
        args: [{ settle: '2s' }],
      }),
    300_000,
  );
  return result.locations.reduce((n, l) => n + l.corrected.length, 0);
}

export function compareWithBaseline(steps: InventoryStep[], baseline: BaselineStep[]): void {
  for (const s of steps) {
    const b = baseline.find((x) => x.rate === s.rate);
    if (b)
      s.vsBaseline = {
        p50: ratio(s.latency.acceptedToWeb.p50, b.latency.p50),
        p99: ratio(s.latency.acceptedToWeb.p99, b.latency.p99),
        throughput: ratio(s.throughput, b.throughput),
      };
  }
}

/** Web available against Sitoo on hand for every store and SKU (no buffers or reservations in the benchmark). */
export function driftCheck(stack: LocalStack, skus: string[]): InventoryReport['drift'] {
  const examples: string[] = [];
  let checked = 0;
  let mismatches = 0;
  const itemIds = new Map(skus.map((s) => [s, stack.ecommerce.state.itemBySku(s)!.id]));
  for (const store of stack.mapping.stores) {
    for (const sku of skus) {
      checked++;
      const web = stack.ecommerce.state.getAvailable(itemIds.get(sku)!, store.webLocationId);
      const want =
        stack.sitoo.state.getStock(store.sitooWarehouseId, sku) -
        stack.sitoo.state.getReserved(store.sitooWarehouseId, sku);
      if (web !== want) {
        mismatches++;
        if (examples.length < 10) examples.push(`${sku} at ${store.storeId}: web ${web}, Sitoo ${want}`);
      }
    }
  }
  return { checked, mismatches, examples };
}

const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)} ms` : 'n/a');

export function verdicts(r: Omit<InventoryReport, 'targets'>, targetRate = 50): Target[] {
  const at = r.steps.find((s) => s.rate === targetRate && !s.withBatch);
  const verdict = (ok: boolean | undefined): Target['verdict'] => (ok === undefined ? 'n/a' : ok ? 'PASS' : 'FAIL');
  const perStep = r.steps
    .filter((s) => !s.withBatch)
    .map((s) => `${s.label} ${s.callsPerSale.toFixed(2)}`)
    .join(', ');
  const b = r.batchComparison;
  return [
    {
      target: `p99 < 500 ms at ${targetRate} sales/s`,
      measured: at ? ms(at.latency.acceptedToWeb.p99) : `no ${targetRate}/s step in this run`,
      verdict: verdict(at && at.latency.acceptedToWeb.p99 < 500),
    },
    {
      target: `e-commerce calls per sale < 0.5 (hot-set load, ${targetRate}/s step)`,
      measured: at ? `${at.callsPerSale.toFixed(2)} (all steps: ${perStep})` : `all steps: ${perStep}`,
      verdict: verdict(at && at.callsPerSale < 0.5),
    },
    {
      target: 'zero drift',
      measured: `${r.drift.mismatches} of ${r.drift.checked} levels`,
      verdict: verdict(r.drift.mismatches === 0),
    },
    {
      target: 'zero lost updates',
      measured: `${r.lostUpdates} never shown on the web, ${r.unaccepted} never acknowledged`,
      verdict: verdict(r.lostUpdates === 0 && r.unaccepted === 0),
    },
    {
      target: 'latency does not move materially with a concurrent batch',
      measured: b
        ? `p50 ${ms(b.without.p50)} -> ${ms(b.with.p50)}, p99 ${ms(b.without.p99)} -> ${ms(b.with.p99)} at ${b.rate}/s`
        : 'no batch run',
      verdict: verdict(b ? !b.material : undefined),
    },
  ];
}
