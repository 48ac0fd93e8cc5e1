import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startDevServer, type DevServer } from '../src/local/dev-server';
import { startLocalStack, type CatalogueItem, type LocalStack, type StoreSeed } from '../src/local/stack';
import { PROJECT_ROOT } from '../src/local/temporal-cli';
import { seededRandom } from '../src/simulators/random';
import { installRuntimeLogger } from '../src/workers/runtime-logger';
import { runBaseline, type BaselineStep } from './baseline';
import { createBatchOrders, type BatchOrders } from './batch';
import { LatencyTracker, saleMaker } from './load';
import { renderMarkdown, renderText, writeBenchmarksDoc, type InventoryReport, type InventoryStep } from './report';
import { findChildPid, ResourceSampler } from './stats';
import {
  compareWithBaseline,
  driftCheck,
  runInventoryStep,
  runSystemDriftCheck,
  verdicts,
  type StepContext,
} from './steps';
import { killWorkersSync, spawnWorker, stopWorkers, waitUntilPolling, type WorkerProcess } from './workers';

/**
 * `npm run bench:inventory`: the inventory benchmark. Not a test: it measures and reports. One
 * process owns a Temporal dev server, the simulators and the receiver; the two workers run as
 * child processes. Per rate step: latency from the Sitoo stock event being accepted to the web
 * showing it, e-commerce calls per sale, throttling, worker memory; a bare-workflow baseline for
 * scale; one step again under a concurrent batch; the final drift. Writes docs/benchmarks.md.
 */
const { values: args } = parseArgs({
  options: {
    rates: { type: 'string', default: '10,25,50,100' },
    'step-seconds': { type: 'string', default: '30' },
    stores: { type: 'string', default: '10' },
    skus: { type: 'string', default: '500' },
    'hot-share': { type: 'string', default: '0.5' },
    'hot-fraction': { type: 'string', default: '0.05' },
    'batch-rate': { type: 'string', default: '50' },
    'batch-size': { type: 'string', default: '2000' },
    'warmup-seconds': { type: 'string', default: '5' },
    cold: { type: 'boolean', default: false },
    plan: { type: 'string', default: 'standard' },
    seed: { type: 'string', default: '7' },
    json: { type: 'boolean', default: false },
    'no-doc': { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
  },
});

const say = (line: string) => process.stderr.write(`${line}\n`);
const num = (name: keyof typeof args, min: number, max: number): number => {
  const v = Number(args[name]);
  if (!Number.isFinite(v) || v < min || v > max)
    throw new Error(`--${name} must be a number from ${min} to ${max}, got ${String(args[name])}`);
  return v;
};
const BUCKETS = {
  standard: { maximumAvailable: 2000, restoreRate: 100 },
  plus: { maximumAvailable: 2000, restoreRate: 1000 },
} as const;

const aborter = new AbortController();
const workers: WorkerProcess[] = [];
process.on('SIGINT', () => {
  if (aborter.signal.aborted) {
    say('Second SIGINT: exiting now.');
    killWorkersSync(workers);
    process.exit(130);
  }
  say('SIGINT: stopping the load and shutting down (Ctrl-C again to force)...');
  aborter.abort();
});
process.on('exit', () => killWorkersSync(workers));

async function main(): Promise<number> {
  const startedAt = new Date();
  const rates = String(args.rates)
    .split(',')
    .map((r) => Number(r.trim()));
  if (rates.some((r) => !(r > 0 && r <= 10_000)))
    throw new Error(`--rates must be positive numbers, got ${String(args.rates)}`);
  const seconds = num('step-seconds', 1, 3600);
  const storeCount = num('stores', 1, 200);
  const skuCount = num('skus', 2, 20_000);
  const batchRate = num('batch-rate', 0, 10_000);
  const batchSize = num('batch-size', 0, 100_000);
  const seed = num('seed', 0, 2 ** 31);
  const plan = String(args.plan);
  if (plan !== 'standard' && plan !== 'plus') throw new Error(`--plan must be standard or plus, got ${plan}`);
  const bucket = BUCKETS[plan];
  const dataDir = join(PROJECT_ROOT, '.data', 'bench');
  await mkdir(dataDir, { recursive: true });
  const signal = aborter.signal;

  const logger = pino({ name: 'bench', level: 'warn' }, pino.destination(2));
  installRuntimeLogger(logger);
  const catalogue: CatalogueItem[] = Array.from({ length: skuCount }, (_, i) => ({
    sku: `SKU-${String(i + 1).padStart(5, '0')}`,
    name: `Item ${i + 1}`,
    unitPriceGross: '100.00',
    vatPercent: 25,
  }));
  const fullStock = Object.fromEntries(catalogue.map((c) => [c.sku, 1_000_000]));
  const stores: StoreSeed[] = Array.from({ length: storeCount }, (_, i) => ({
    storeId: `S${String(i + 1).padStart(2, '0')}`,
    name: `Store ${i + 1}`,
    warehouseId: 101 + i,
    erpLocationCode: `STORE${String(i + 1).padStart(2, '0')}`,
    mapped: true,
    stock: fullStock,
  }));

  let server: DevServer | undefined;
  let stack: LocalStack | undefined;
  let tracker: LatencyTracker | undefined;
  let temporalPid: number | undefined;
  const resources = new ResourceSampler(() => ({
    ...Object.fromEntries(workers.map((w) => [w.name, w.exitCode === undefined ? w.pid : undefined])),
    temporal: temporalPid,
  }));
  const steps: InventoryStep[] = [];
  let baseline: BaselineStep[] = [];
  let batchOrders: BatchOrders | undefined;
  let warmup: InventoryStep | undefined;
  const problems: string[] = [];
  try {
    say(`Starting a Temporal dev server (namespace bench, SQLite under .data/bench)...`);
    server = await startDevServer({ namespace: 'bench', dbFile: join(dataDir, 'temporal.sqlite'), log: say });
    temporalPid = await findChildPid('temporal');
    say(
      `Starting the simulators and the receiver: ${storeCount} stores x ${skuCount} SKUs, Shopify ${plan} bucket ${bucket.maximumAvailable}/${bucket.restoreRate}...`,
    );
    stack = await startLocalStack({
      temporal: { address: server.address, namespace: server.namespace },
      dataDir: join(dataDir, 'stack'),
      stores,
      catalogue,
      paymentConfirmationTimeout: '1h',
      ecommerceBucket: bucket,
      workers: 'none',
      logger,
      seed,
      onStockSignalled: (ids) => tracker?.accepted(ids),
    });
    tracker = new LatencyTracker(
      stack,
      catalogue.map((c) => c.sku),
    );
    const runTag = startedAt.getTime().toString(36);
    const baselineRates = [...new Set([...rates, ...(batchRate > 0 ? [batchRate] : [])])].sort((a, b) => a - b);
    baseline = await runBaseline({
      address: server.address,
      namespace: server.namespace,
      client: stack.client,
      rates: baselineRates,
      seconds,
      say,
      signal,
      runTag,
    });

    say('Starting the main and inventory workers as child processes (they bundle their workflows first)...');
    workers.push(spawnWorker('main', stack.envVars, dataDir), spawnWorker('inventory', stack.envVars, dataDir));
    await waitUntilPolling(stack.client, workers, 180_000, signal);
    resources.start();
    const ctx: StepContext = {
      stack,
      tracker,
      resources,
      makeSale: saleMaker(
        { stores, catalogue, hotShare: num('hot-share', 0, 1), hotFraction: num('hot-fraction', 0, 1) },
        seededRandom(seed),
      ),
      seconds,
      say,
      signal,
    };
    const warmupSeconds = num('warmup-seconds', 0, 600);
    if (warmupSeconds > 0) {
      say(`Warm-up (not measured): ${warmupSeconds}s at ${Math.min(...rates)}/s...`);
      warmup = await runInventoryStep({ ...ctx, seconds: warmupSeconds }, -1, Math.min(...rates), { label: 'warm-up' });
    }
    if (!args.cold && !signal.aborted) {
      say(
        'Running the drift check once, as its schedule does in production (the inventory worker then knows every web level)...',
      );
      const corrected = await runSystemDriftCheck(stack, signal);
      if (corrected) problems.push(`the warm-up drift check corrected ${corrected} web levels (expected none)`);
    }
    const plainRates = batchRate > 0 && !rates.includes(batchRate) ? [...rates, batchRate] : rates;
    const batchRun = batchRate > 0 && batchSize > 0;
    for (const [i, rate] of plainRates.entries()) {
      if (signal.aborted) break;
      steps.push(await runInventoryStep(ctx, steps.length, rate, { last: !batchRun && i === plainRates.length - 1 }));
    }
    if (batchRun && !signal.aborted) {
      say(`Creating ${batchSize} paid web orders in Sitoo over REST for the batch...`);
      batchOrders = await createBatchOrders(stack, {
        size: batchSize,
        warehouseId: stores[0]!.warehouseId,
        item: catalogue[catalogue.length - 1]!,
        runTag,
        signal,
      });
      if (batchOrders.warehouseTransactionsCreated !== 0)
        problems.push(
          `creating the batch's web orders booked ${batchOrders.warehouseTransactionsCreated} warehouse transactions (expected none)`,
        );
      if (!signal.aborted)
        steps.push(
          await runInventoryStep(ctx, steps.length, batchRate, {
            batch: { orderIds: batchOrders.orderIds },
            last: true,
          }),
        );
    }
    resources.stop();
    if (!signal.aborted) await tracker.waitReflected(undefined, Date.now() + 30_000, signal);
  } finally {
    resources.stop();
    say('Stopping the workers, the stack and the dev server...');
    await stopWorkers(workers).catch((err: Error) => problems.push(`stopping workers: ${err.message}`));
    const drift = stack
      ? driftCheck(
          stack,
          catalogue.map((c) => c.sku),
        )
      : { checked: 0, mismatches: 0, examples: [] };
    const receiver = stack
      ? {
          batches: stack.receiver.stats.batches,
          unavailable: stack.receiver.stats.unavailable,
          stockSignalled: stack.receiver.stats.outcomes['stock-signalled'],
        }
      : { batches: 0, unavailable: 0, stockSignalled: 0 };
    const lostUpdates = tracker?.unreflected() ?? 0;
    const unaccepted = [...steps, ...(warmup ? [warmup] : [])].reduce((n, s) => n + s.latency.unaccepted, 0);
    await stack?.close().catch((err: Error) => problems.push(`closing the stack: ${err.message}`));
    await server?.stop().catch((err: Error) => problems.push(`stopping the dev server: ${err.message}`));
    if (steps.length)
      await finish({
        startedAt,
        baseline,
        steps,
        warmup,
        drift,
        receiver,
        lostUpdates,
        unaccepted,
        batchOrders,
        problems,
        config: {
          rates,
          stepSeconds: seconds,
          stores: storeCount,
          skus: skuCount,
          hotShare: num('hot-share', 0, 1),
          hotFraction: num('hot-fraction', 0, 1),
          batchRate,
          batchSize,
          plan,
          bucket,
          seed,
          warmupSeconds: num('warmup-seconds', 0, 600),
          warmCache: !args.cold,
        },
      });
  }
  return signal.aborted ? 130 : 0;
}

async function finish(
  r: Pick<
    InventoryReport,
    'baseline' | 'steps' | 'warmup' | 'drift' | 'receiver' | 'lostUpdates' | 'unaccepted' | 'problems' | 'config'
  > & { startedAt: Date; batchOrders?: BatchOrders },
): Promise<void> {
  compareWithBaseline(r.steps, r.baseline);
  const withBatch = r.steps.find((s) => s.withBatch);
  const without = withBatch && r.steps.find((s) => !s.withBatch && s.rate === withBatch.rate);
  for (const s of r.steps) {
    if (s.load.achievedRate < s.load.offeredRate * 0.95)
      r.problems.push(
        `step ${s.label}: the generator achieved ${s.load.achievedRate.toFixed(1)}/s of ${s.load.offeredRate}/s`,
      );
    if (s.resources.bench.eventLoopP99Ms > 100)
      r.problems.push(
        `step ${s.label}: this process's event loop (simulators, receiver, load) lagged ${s.resources.bench.eventLoopP99Ms} ms at p99, which inflates the measured latencies`,
      );
  }
  const a = withBatch?.latency.acceptedToWeb;
  const b = without?.latency.acceptedToWeb;
  const report: Omit<InventoryReport, 'targets'> = {
    command:
      process.env.npm_lifecycle_event === 'bench:inventory'
        ? `npm run bench:inventory -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, '')
        : `npx tsx bench/inventory.ts ${process.argv.slice(2).join(' ')}`.trim(),
    startedAt: r.startedAt.toISOString(),
    wallSeconds: (Date.now() - r.startedAt.getTime()) / 1000,
    machine: {
      cores: availableParallelism(),
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      memoryGb: totalmem() / 2 ** 30,
    },
    config: r.config,
    baseline: r.baseline,
    steps: r.steps,
    warmup: r.warmup,
    batchComparison:
      a && b && r.batchOrders
        ? {
            rate: withBatch.rate,
            without: { p50: b.p50, p99: b.p99 },
            with: { p50: a.p50, p99: a.p99 },
            p50Ratio: a.p50 / b.p50,
            p99Ratio: a.p99 / b.p99,
            material: a.p99 > Math.max(1.25 * b.p99, b.p99 + 100),
            batchOrders: {
              size: r.batchOrders.orderIds.length,
              warehouseTransactionsCreated: r.batchOrders.warehouseTransactionsCreated,
              createSeconds: r.batchOrders.seconds,
            },
          }
        : undefined,
    drift: r.drift,
    lostUpdates: r.lostUpdates,
    unaccepted: r.unaccepted,
    receiver: r.receiver,
    workers: Object.fromEntries(
      workers.map((w) => [
        w.name,
        {
          warnings: w.warnings,
          errors: w.errors,
          exitCode: w.exitCode,
          logFile: relative(PROJECT_ROOT, w.logFile),
          recent: w.recent,
        },
      ]),
    ),
    problems: r.problems,
    interrupted: aborter.signal.aborted,
  };
  const full: InventoryReport = { ...report, targets: verdicts(report) };
  const jsonFile = join(PROJECT_ROOT, '.data', 'bench', `inventory-${full.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(jsonFile, JSON.stringify(full, null, 2));
  console.log(args.json ? JSON.stringify(full, null, 2) : renderText(full));
  say(`JSON: ${jsonFile}`);
  if (!args['no-doc'] && !full.interrupted) {
    await writeBenchmarksDoc(join(PROJECT_ROOT, 'docs', 'benchmarks.md'), renderMarkdown(full));
    say('Wrote the "## Inventory" section of docs/benchmarks.md');
  }
  if (args.check && full.targets.some((t) => t.verdict === 'FAIL')) process.exitCode = 1;
}

main().then(
  (code) => process.exit(process.exitCode || code),
  (err: unknown) => {
    console.error(err);
    killWorkersSync(workers);
    process.exit(1);
  },
);
