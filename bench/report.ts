import { writeSection } from './doc-section';
import type { BaselineStep } from './baseline';
import type { OpenLoopResult, StepLatency } from './load';
import type { ProcessWindow, ResourceWindow } from './stats';

/** The inventory benchmark's results: the stdout table, the JSON file and the docs/benchmarks.md section. */

export interface InventoryStep {
  label: string;
  rate: number;
  withBatch: boolean;
  seconds: number;
  load: OpenLoopResult;
  sales: number;
  latency: StepLatency;
  /** Transactions shown on the web per second, from the step's first sale to the last one shown. */
  throughput: number;
  ecommerceCalls: number;
  callsPerSale: number;
  operations: Record<string, number>;
  /** THROTTLED answers from the shop's cost bucket (plus injected throttles, none in the benchmark). */
  throttled: number;
  flushes: number;
  /** Worker RSS and CPU, and this process's CPU and event-loop delay, from the step's start until it drained. */
  resources: ResourceWindow;
  /** From the last sale until every transaction of the step was on the web and the coalescer idle. */
  drainSeconds: number;
  /** Then until no sale workflow was running any more (the main queue's backlog); NaN for the last step, which does not wait. */
  mainBacklogSeconds: number;
  vsBaseline?: { p50: number; p99: number; throughput: number };
  batch?: {
    size: number;
    startsSeconds: number;
    startFailures: number;
    bookedAtStepEnd: number;
    bookedAtStockDrain: number;
  };
}

export interface Target {
  target: string;
  measured: string;
  verdict: 'PASS' | 'FAIL' | 'n/a';
}

export interface InventoryReport {
  command: string;
  startedAt: string;
  wallSeconds: number;
  machine: { cores: number; cpuModel: string; node: string; platform: string; memoryGb: number };
  config: {
    rates: number[];
    stepSeconds: number;
    stores: number;
    skus: number;
    hotShare: number;
    hotFraction: number;
    batchRate: number;
    batchSize: number;
    plan: string;
    bucket: { maximumAvailable: number; restoreRate: number };
    seed: number;
    warmupSeconds: number;
    warmCache: boolean;
  };
  baseline: BaselineStep[];
  steps: InventoryStep[];
  /** The unmeasured warm-up (kept for the record). */
  warmup?: InventoryStep;
  batchComparison?: {
    rate: number;
    without: { p50: number; p99: number };
    with: { p50: number; p99: number };
    p50Ratio: number;
    p99Ratio: number;
    material: boolean;
    batchOrders: { size: number; warehouseTransactionsCreated: number; createSeconds: number };
  };
  drift: { checked: number; mismatches: number; examples: string[] };
  lostUpdates: number;
  unaccepted: number;
  receiver: { batches: number; unavailable: number; stockSignalled: number };
  workers: Record<
    string,
    { warnings: number; errors: number; exitCode: number | null | undefined; logFile: string; recent: string[] }
  >;
  targets: Target[];
  problems: string[];
  interrupted: boolean;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const x = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a');
const mb = (w?: ProcessWindow) => (w ? `${fmt(w.rssMedianMb)}/${fmt(w.rssMaxMb)}` : 'n/a');

function table(head: string[], rows: string[][], markdown: boolean): string {
  if (markdown)
    return [
      `| ${head.join(' | ')} |`,
      `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function baselineTable(r: InventoryReport, md: boolean): string {
  const head = ['rate/s', 'achieved/s', 'done', 'p50 ms', 'p95 ms', 'p99 ms', 'throughput/s'];
  return table(
    head,
    r.baseline.map((b) => [
      String(b.rate),
      fmt(b.load.achievedRate, 1),
      `${b.completed}${b.failed ? ` (${b.failed} failed)` : ''}`,
      fmt(b.latency.p50),
      fmt(b.latency.p95),
      fmt(b.latency.p99),
      fmt(b.throughput, 1),
    ]),
    md,
  );
}

function stepsTable(r: InventoryReport, md: boolean): string {
  const head = [
    'step',
    'offered/s',
    'achieved/s',
    'sales',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'sale->web p99 ms',
    'calls/sale',
    'throttled',
    'flushes',
    'p50 vs base',
    'p99 vs base',
    'throughput vs base',
  ];
  const rows = r.steps.map((s) => [
    s.label,
    fmt(s.load.offeredRate, 1),
    fmt(s.load.achievedRate, 1),
    String(s.sales),
    fmt(s.latency.acceptedToWeb.p50),
    fmt(s.latency.acceptedToWeb.p95),
    fmt(s.latency.acceptedToWeb.p99),
    fmt(s.latency.saleToWeb.p99),
    fmt(s.callsPerSale, 2),
    String(s.throttled),
    String(s.flushes),
    x(s.vsBaseline?.p50 ?? NaN),
    x(s.vsBaseline?.p99 ?? NaN),
    x(s.vsBaseline?.throughput ?? NaN),
  ]);
  return table(head, rows, md);
}

function resourcesTable(r: InventoryReport, md: boolean): string {
  const head = [
    'step',
    'inventory RSS MB med/max',
    'main RSS MB med/max',
    'inventory CPU %',
    'main CPU %',
    'Temporal server CPU %',
    'bench process CPU %',
    'bench event-loop p99/max ms',
  ];
  const rows = r.steps.map((s) => {
    const p = s.resources.processes;
    return [
      s.label,
      mb(p.inventory),
      mb(p.main),
      fmt(p.inventory?.cpuPercent ?? NaN),
      fmt(p.main?.cpuPercent ?? NaN),
      fmt(p.temporal?.cpuPercent ?? NaN),
      fmt(s.resources.bench.cpuPercent),
      `${fmt(s.resources.bench.eventLoopP99Ms)}/${fmt(s.resources.bench.eventLoopMaxMs)}`,
    ];
  });
  return table(head, rows, md);
}

function summaryLines(r: InventoryReport): string[] {
  const out: string[] = [];
  const b = r.batchComparison;
  if (b) {
    const step = r.steps.find((s) => s.withBatch)?.batch;
    out.push(
      `With a concurrent batch at ${b.rate}/s: p50 ${fmt(b.with.p50)} ms vs ${fmt(b.without.p50)} ms without (${x(b.p50Ratio)}), p99 ${fmt(b.with.p99)} ms vs ${fmt(b.without.p99)} ms (${x(b.p99Ratio)}); ${b.material ? 'a MATERIAL move' : 'not a material move'}.`,
    );
    const w = r.steps.find((s) => s.withBatch);
    const wo = r.steps.find((s) => !s.withBatch && s.rate === b.rate);
    if (w && wo)
      out.push(
        `  From the sale itself (adds Sitoo's event queue and the receiver's sale-workflow starts, which share the main server with the batch): p99 ${fmt(w.latency.saleToWeb.p99)} ms vs ${fmt(wo.latency.saleToWeb.p99)} ms without.`,
      );
    if (step)
      out.push(
        `  The batch: ${step.size} paid web orders (REST-created, ${b.batchOrders.warehouseTransactionsCreated} warehouse transactions), sale workflows started in bulk in ${fmt(step.startsSeconds, 1)} s; ${step.bookedAtStepEnd} of ${step.size} booked in the ERP when the step's last sale was played, ${step.bookedAtStockDrain} when all its stock was on the web.`,
      );
  }
  out.push(
    `Sitoo event delivery, sale -> receiver acknowledgement, p50/p99 ms: ${r.steps.map((s) => `${s.label} ${fmt(s.latency.saleToAccepted.p50)}/${fmt(s.latency.saleToAccepted.p99)}`).join(', ')} (one Sitoo event stream, batches of up to 10, one at a time; not part of the latency above).`,
  );
  const early = r.steps.filter((s) => s.latency.reflectedBeforeAccepted > 0);
  if (early.length)
    out.push(
      `Already on the web when their event was acknowledged (a flush for an earlier event read Sitoo's newer level), counted as 0 ms: ${early.map((s) => `${s.label} ${s.latency.reflectedBeforeAccepted} of ${s.latency.transactions}`).join(', ')}.`,
    );
  out.push(
    `Final drift: ${r.drift.mismatches} of ${r.drift.checked} store x SKU web levels differ from Sitoo on hand${r.drift.examples.length ? ` (e.g. ${r.drift.examples.slice(0, 3).join('; ')})` : ''}.`,
  );
  out.push(
    `Lost updates (stock transactions never shown on the web): ${r.lostUpdates}; events never acknowledged: ${r.unaccepted}; receiver 503s: ${r.receiver.unavailable}.`,
  );
  for (const [name, w] of Object.entries(r.workers))
    if (w.errors || w.warnings)
      out.push(`Worker ${name}: ${w.errors} error and ${w.warnings} warning log lines (${w.logFile}).`);
  for (const p of r.problems) out.push(`Problem: ${p}`);
  return out;
}

function targetsTable(r: InventoryReport, md: boolean): string {
  return table(
    ['target', 'measured', 'verdict'],
    r.targets.map((t) => [t.target, t.measured, t.verdict]),
    md,
  );
}

export function renderText(r: InventoryReport): string {
  const m = r.machine;
  return [
    `Inventory benchmark, ${r.startedAt}: ${m.cores} cores (${m.cpuModel}), Node ${m.node}; ${r.config.stores} stores, ${r.config.skus} SKUs (${fmt(r.config.hotFraction * 100)}% take ${fmt(r.config.hotShare * 100)}% of lines), ${r.config.stepSeconds} s per step, Shopify ${r.config.plan} bucket ${r.config.bucket.maximumAvailable}/${r.config.bucket.restoreRate} per s${r.interrupted ? '  [INTERRUPTED: partial results]' : ''}`,
    '',
    'Baseline: one bare workflow (one no-op activity) started per tick, start call -> result',
    baselineTable(r, false),
    '',
    'Inventory: latency from the receiver acknowledging the Sitoo stock event (Temporal accepted it) to the web level showing it',
    stepsTable(r, false),
    '',
    "Resources (from each step's start until it drained; CPU in % of one core; the bench process hosts the simulators, the receiver and the load)",
    resourcesTable(r, false),
    '',
    ...summaryLines(r),
    '',
    targetsTable(r, false),
    `Wall time ${fmt(r.wallSeconds)} s. Command: ${r.command}`,
  ].join('\n');
}

export function renderMarkdown(r: InventoryReport): string {
  const m = r.machine;
  const c = r.config;
  return [
    '## Inventory',
    '',
    `Measured ${r.startedAt.slice(0, 10)} on ${m.cores} cores (${m.cpuModel}, ${fmt(m.memoryGb)} GB), Node ${m.node}, ${m.platform}; wall time ${fmt(r.wallSeconds / 60, 1)} min.${r.interrupted ? ' **Interrupted: partial results.**' : ''}`,
    '',
    '```sh',
    r.command,
    '```',
    '',
    `Full local stack in one run: a Temporal dev server (SQLite), the Sitoo, Business Central and Shopify simulators, the events receiver, and the main and inventory workers as child processes. An open-loop generator plays paid store sales through \`pos.recordSale\` (Sitoo then delivers the order and warehouse-transaction events to the receiver) across ${c.stores} stores and ${c.skus} SKUs, ${fmt(c.hotFraction * 100)}% of the SKUs taking ${fmt(c.hotShare * 100)}% of the lines, 1-3 lines of quantity 1 per sale, ${c.stepSeconds} s per rate step. Shopify bucket: ${c.plan} (${c.bucket.maximumAvailable} points, ${c.bucket.restoreRate} points/s). Steps here are ${c.stepSeconds} s; the issue's example is 60 s: add \`--step-seconds 60\`.`,
    '',
    "**Latency** runs from the receiver acknowledging a batch whose warehouse-transaction events Temporal accepted (`onStockSignalled`) to the first Shopify simulator history entry at the store's web location whose level is at or below Sitoo's level after the transaction (the slowest SKU of the transaction). `sale->web` starts at `recordSale` instead and adds Sitoo's event delivery queue. **Calls/sale**: Shopify requests executed (not throttled) from the step's start until it drained, per sale. **Throttled**: THROTTLED answers from the simulated cost bucket. **Flushes**: coalescer flushes (`status` query). RSS: VmRSS sampled each second per worker process; CPU from /proc. Each step starts with the coalescer idle and no sale workflow running.",
    '',
    c.warmupSeconds > 0 || c.warmCache
      ? `Before the steps: ${c.warmupSeconds > 0 ? `a ${c.warmupSeconds} s warm-up at the lowest rate (not measured)` : 'no warm-up'}${c.warmCache ? " and one run of the system's own drift check (the receiver process schedules it in production), which leaves the inventory worker knowing every web level: the steps show the steady state, not first reads of each level (`--cold` skips it)" : ''}.`
      : 'No warm-up (`--warmup-seconds 0 --cold`): the first step includes JIT warm-up and the first read of every web level.',
    '',
    '### Baseline: what Temporal on this machine does at all',
    '',
    'One workflow started per tick on its own task queue, running one activity that returns at once (`bench/baseline-workflow.ts`, in-process worker), timed from the start call to its result. Ratios below are ours divided by the baseline at the same rate.',
    '',
    baselineTable(r, true),
    '',
    '### Inventory',
    '',
    stepsTable(r, true),
    '',
    "Resources, from each step's start until it drained (CPU in % of one core; the bench process hosts the simulators, the receiver and the load generator, so a high event-loop delay there would inflate every latency):",
    '',
    resourcesTable(r, true),
    '',
    ...summaryLines(r).map((l) => (l.startsWith('  ') ? `  ${l.trim()}` : `- ${l}`)),
    '',
    '### Targets (issue: 2-core machine)',
    '',
    targetsTable(r, true),
    '',
    `"Material" for the batch comparison: with-batch p99 above max(1.25 x, +100 ms) of the p99 without. The batch is ${c.batchSize} paid, closed web orders created over Sitoo's REST API at one store (they book no warehouse transaction; their \`add\` events go to a sink while they are created, so they do not queue ahead of the store sales' stock events), whose sale workflows (ERP bookings) are started in bulk on the main task queue, 50 start calls at a time, as the with-batch step begins. JSON with every figure: \`.data/bench/inventory-*.json\`.`,
    '',
  ].join('\n');
}

/** Replaces (or appends) the "## Inventory" section of docs/benchmarks.md, leaving other sections as they are. */
export async function writeBenchmarksDoc(file: string, section: string): Promise<void> {
  await writeSection(file, 'Inventory', section);
}
