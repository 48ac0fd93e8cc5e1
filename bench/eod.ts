import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { lastPayoutArrivalDate, localDate } from '../src/domain/business-day';
import { endOfDayWorkflowId } from '../src/domain/ids';
import { startDevServer } from '../src/local/dev-server';
import { startLocalStack, type CatalogueItem, type LocalStack, type StoreSeed } from '../src/local/stack';
import { PROJECT_ROOT } from '../src/local/temporal-cli';
import { seededRandom } from '../src/simulators/random';
import { installRuntimeLogger } from '../src/workers/runtime-logger';
import {
  endOfDayStatusQuery,
  type EndOfDayInput,
  type ReconciliationReport,
} from '../src/workflows/end-of-day-contract';
import { TASK_QUEUES } from '../src/workflows/task-queues';
import { writeSection } from './doc-section';
import { seedDay } from './eod-seed';
import { findChildPid, median, ResourceSampler, type ResourceWindow } from './stats';
import { killWorkersSync, spawnWorker, stopWorkers, waitUntilPolling, type WorkerProcess } from './workers';

/**
 * `npm run bench:eod`: end of day for many stores at once. Seeds a business day of till sales per
 * store straight into the simulators (Sitoo orders with card and cash payments, the matching ERP
 * invoices, the processor's charges and a payout, a Z-report per register), then starts every
 * store's end of day together and measures the wall time until all have posted and reconciled,
 * the Sitoo pages read, and the history length of each workflow. The workers run as child
 * processes, as deployed, so the simulators (which hold the whole day in memory) do not share
 * their process. Writes docs/benchmarks.md.
 */
const { values: args } = parseArgs({
  options: {
    stores: { type: 'string', default: '100' },
    transactions: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '3' },
    /** Close consecutive days on one stack, so later runs also carry the earlier days (the simulators grow). */
    'keep-days': { type: 'boolean', default: false },
    'no-doc': { type: 'boolean', default: false },
    seed: { type: 'string', default: '11' },
  },
});
const say = (line: string) => process.stderr.write(`${line}\n`);
const ZONE = 'Europe/Stockholm';
const PAYOUT_MAX_WAIT_DAYS = 5;
const DAY_MS = 86_400_000;

interface RunFigures {
  date: string;
  wallSeconds: number;
  baselineSeconds: number;
  dayPages: number;
  historyEvents: number[];
  statuses: Record<string, number>;
  gaps: number;
  resources: ResourceWindow;
}

async function main(): Promise<void> {
  const storeCount = Number(args.stores);
  const perStore = Number(args.transactions);
  const runs = Number(args.runs);
  if (!(storeCount >= 1 && storeCount <= 500) || !(perStore >= 1 && perStore <= 20_000) || !(runs >= 1 && runs <= 7))
    throw new Error('--stores must be 1-500, --transactions 1-20000 and --runs 1-7');
  const logger = pino({ name: 'bench-eod', level: 'warn' }, pino.destination(2));
  installRuntimeLogger(logger);
  const dataDir = join(PROJECT_ROOT, '.data', 'bench-eod');
  await mkdir(dataDir, { recursive: true });
  const catalogue: CatalogueItem[] = Array.from({ length: 50 }, (_, i) => ({
    sku: `SKU-${i + 1}`,
    name: `Item ${i + 1}`,
    unitPriceGross: `${(i % 9) * 10 + 49}.00`,
    vatPercent: 25,
  }));
  const stores: StoreSeed[] = Array.from({ length: storeCount }, (_, i) => ({
    storeId: `S${String(i + 1).padStart(3, '0')}`,
    name: `Store ${i + 1}`,
    warehouseId: 1001 + i,
    erpLocationCode: `ST${String(i + 1).padStart(3, '0')}`,
    mapped: true,
    stock: {},
  }));

  const keepDays = args['keep-days'];
  const workers: WorkerProcess[] = [];
  process.once('exit', () => killWorkersSync(workers));
  const random = seededRandom(Number(args.seed));
  const results: RunFigures[] = [];
  let rig: Rig | undefined;
  try {
    // One business day per run, oldest first, each closed by every store at once: by default each
    // run on a fresh server, simulators and workers, so the runs repeat the same work.
    for (let run = 0; run < runs; run++) {
      const date = localDate(Math.floor((Date.now() - (runs - run) * DAY_MS) / 1000), ZONE);
      if (!rig) rig = await startRig({ stores, catalogue, dataDir, logger, seed: Number(args.seed) + run, workers });
      const seedStart = Date.now();
      say(`Run ${run + 1}/${runs}: seeding ${storeCount} stores x ${perStore} transactions for ${date} (${ZONE})...`);
      seedDay({ stack: rig.stack, stores, catalogue, date, timeZone: ZONE, perStore, random, say });
      say(`Seeded in ${((Date.now() - seedStart) / 1000).toFixed(0)} s.`);
      await waitUntilPolling(rig.stack.client, workers, 180_000);
      rig.resources.start();
      await rig.resources.window();
      say(`Starting ${storeCount} end-of-day workflows at once...`);
      const measured = await closeDay(rig.stack, stores, date);
      const window = await rig.resources.window();
      say(
        `  all settled in ${measured.wallSeconds.toFixed(1)} s. Baseline: the same reads with no Temporal, in a child process...`,
      );
      const baselineSeconds = await runBaseline(rig.stack.envVars, date, stores);
      say(`  baseline ${baselineSeconds.toFixed(1)} s`);
      results.push({ date, ...measured, baselineSeconds, resources: window });
      if (!keepDays) {
        await stopRig(rig, workers);
        rig = undefined;
      }
    }
    const figures = summarise(results);
    const perRun = results.map(({ historyEvents, resources: r, ...rest }) => ({
      ...rest,
      historyEventsMax: Math.max(...historyEvents),
      resources: r.processes,
    }));
    console.log(
      JSON.stringify({ stores: storeCount, transactionsPerStore: perStore, ...figures, runs: perRun }, null, 2),
    );
    if (!args['no-doc'])
      await writeSection(
        join(PROJECT_ROOT, 'docs', 'benchmarks.md'),
        'End of day',
        renderSection({ storeCount, perStore, runs, keepDays, results, figures }),
      );
  } finally {
    if (rig) await stopRig(rig, workers);
  }
}

interface Rig {
  server: Awaited<ReturnType<typeof startDevServer>>;
  stack: LocalStack;
  resources: ResourceSampler;
}

/** A Temporal dev server, the simulators (this process), and the two workers as child processes, as deployed. */
async function startRig(o: {
  stores: StoreSeed[];
  catalogue: CatalogueItem[];
  dataDir: string;
  logger: Logger;
  seed: number;
  workers: WorkerProcess[];
}): Promise<Rig> {
  say('Starting a Temporal dev server and the simulators...');
  const server = await startDevServer({
    namespace: 'bench-eod',
    dbFile: join(o.dataDir, `temporal-${Date.now()}.sqlite`),
    log: say,
  });
  // The ERP serves pages of up to 20,000 rows, as Business Central online does.
  const stack = await startLocalStack({
    temporal: { address: server.address, namespace: server.namespace },
    dataDir: join(o.dataDir, 'stack'),
    stores: o.stores,
    catalogue: o.catalogue,
    paymentConfirmationTimeout: '1h',
    logger: o.logger,
    seed: o.seed,
    workers: 'none',
    erpPageSize: 20_000,
  });
  // The seeded days must not start sale workflows: their ERP documents are seeded too.
  await stack.sitoo.events.stop();
  say(
    'Starting the main and inventory workers as child processes (they bundle their workflows while the day is seeded)...',
  );
  o.workers.push(spawnWorker('main', stack.envVars, o.dataDir), spawnWorker('inventory', stack.envVars, o.dataDir));
  const temporalPid = await findChildPid('temporal');
  const resources = new ResourceSampler(() => ({
    ...Object.fromEntries(o.workers.map((w) => [`${w.name} worker`, w.exitCode === undefined ? w.pid : undefined])),
    temporal: temporalPid,
    simulators: process.pid,
  }));
  return { server, stack, resources };
}

async function stopRig(rig: Rig, workers: WorkerProcess[]): Promise<void> {
  rig.resources.stop();
  await stopWorkers(workers.splice(0));
  await rig.stack.close();
  await rig.server.stop();
}

/** Starts every store's end of day for the date and waits until each has reconciled or parked. */
async function closeDay(
  stack: LocalStack,
  stores: StoreSeed[],
  date: string,
): Promise<Omit<RunFigures, 'date' | 'baselineSeconds' | 'resources'>> {
  const started = Date.now();
  const handles = await Promise.all(
    stores.map((s) =>
      stack.client.workflow.start('endOfDayWorkflow', {
        workflowId: endOfDayWorkflowId(s.storeId, date),
        taskQueue: TASK_QUEUES.main,
        args: [
          {
            accountId: stack.env.SITOO_ACCOUNT_ID,
            storeId: s.storeId,
            date,
            payoutRecheck: '1h',
            payoutMaxWait: `${PAYOUT_MAX_WAIT_DAYS}d`,
          } satisfies EndOfDayInput,
        ],
      }),
    ),
  );
  // Done means posted and reconciled, or parked with its gaps listed: a parked day waits for finance, not for us.
  const settled = (h: (typeof handles)[number]) =>
    new Promise<ReconciliationReport>((resolve, reject) => {
      h.result().then(resolve, reject);
      // Parked shows in the ExceptionType search attribute, which describe reads without asking the worker.
      const poll = setInterval(
        () =>
          void h
            .describe()
            .then(async (d) => {
              if (d.status.name !== 'RUNNING' || !d.searchAttributes.ExceptionType?.length) return;
              clearInterval(poll);
              resolve((await h.query(endOfDayStatusQuery)).report!);
            })
            .catch(() => undefined),
        2_000,
      );
      void h
        .result()
        .finally(() => clearInterval(poll))
        .catch(() => undefined);
    });
  const reports: ReconciliationReport[] = await Promise.all(handles.map(settled));
  const wallSeconds = (Date.now() - started) / 1000;
  return {
    wallSeconds,
    dayPages: reports.reduce((n, r) => n + r.sitooPagesRead, 0),
    historyEvents: await Promise.all(handles.map(async (h) => (await h.describe()).historyLength)),
    statuses: reports.reduce<Record<string, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {}),
    gaps: reports.reduce((n, r) => n + r.gapCount, 0),
  };
}

/** bench/eod-floor.ts in a child process, as the worker is one: its wall time in seconds. */
async function runBaseline(env: Record<string, string>, date: string, stores: StoreSeed[]): Promise<number> {
  const arrivalTo = lastPayoutArrivalDate(date, PAYOUT_MAX_WAIT_DAYS * DAY_MS);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'eod-floor.ts'), date, arrivalTo, ...stores.map((s) => s.storeId)],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the baseline exited with ${code}: ${err.slice(-2000)}`);
  return (JSON.parse(out.trim().split('\n').pop()!) as { seconds: number }).seconds;
}

function summarise(results: RunFigures[]) {
  const histories = results.flatMap((r) => r.historyEvents);
  return {
    wallSecondsMedian: median(results.map((r) => r.wallSeconds)),
    wallSecondsMax: Math.max(...results.map((r) => r.wallSeconds)),
    baselineSecondsMedian: median(results.map((r) => r.baselineSeconds)),
    ratioToBaselineMedian: median(results.map((r) => r.wallSeconds / r.baselineSeconds)),
    historyEvents: { min: Math.min(...histories), median: median(histories), max: Math.max(...histories) },
    dayPagesPerRun: median(results.map((r) => r.dayPages)),
    gaps: results.reduce((n, r) => n + r.gaps, 0),
    outcomes: results.reduce<Record<string, number>>((m, r) => {
      for (const [k, v] of Object.entries(r.statuses)) m[k] = (m[k] ?? 0) + v;
      return m;
    }, {}),
  };
}

function renderSection(o: {
  storeCount: number;
  perStore: number;
  runs: number;
  keepDays: boolean;
  results: RunFigures[];
  figures: ReturnType<typeof summarise>;
}): string {
  const { figures: f, results } = o;
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const s = (n: number) => `${n.toFixed(1)} s`;
  const proc = (r: RunFigures, name: string) => r.resources.processes[name];
  return [
    '## End of day',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB), Node ${process.version}.`,
    '',
    '```sh',
    `npm run bench:eod -- --stores ${o.storeCount} --transactions ${o.perStore} --runs ${o.runs}${o.keepDays ? ' --keep-days' : ''}`,
    '```',
    '',
    `Each run seeds one business day (${ZONE}) of ${o.perStore} till sales per store straight into the simulators (Sitoo orders paid by card or cash, the matching posted ERP invoices, the processor's charges and that day's payout, a Z-report per register), then starts all ${o.storeCount} end-of-day workflows at once and stops the clock when every one has posted its journal and reconciled. The workers run as child processes, as deployed (main worker with its default activity slots; at most 10 Sitoo and 5 Business Central requests in flight per worker). The simulators run in the benchmark's own process with a 12 GB heap (a day is about 2 GB of simulated POS, ERP and processor records). ${o.keepDays ? "Runs close consecutive days on one stack, so each later run also carries the earlier days in the simulators and in the ERP's ±1-day invoice look-up." : 'Each run has a fresh Temporal server, simulators and workers, so the runs repeat the same work.'}`,
    '',
    `Baseline, in the same process run: after each run, \`bench/eod-floor.ts\` in its own child process calls the same end-of-day activities for every store at once, with no Temporal in between, and without the journal post (a write; one look-up and one small post per store). It reads the same pages from the same simulators, so the ratio is what durable orchestration costs on top of the reads; the baseline runs second, so it also finds the simulators' caches warm.`,
    '',
    '| figure | measured | target | verdict |',
    '| --- | ---: | ---: | ---: |',
    `| wall time, all stores posted and reconciled (median of ${o.runs} runs; max) | ${s(f.wallSecondsMedian)}; ${s(f.wallSecondsMax)} | < 60 s | ${verdict(f.wallSecondsMax < 60)} |`,
    `| baseline: the same reads, no Temporal (median) | ${s(f.baselineSecondsMedian)} | | |`,
    `| ratio wall time / baseline (median of the runs' ratios) | ${f.ratioToBaselineMedian.toFixed(2)}x | | |`,
    `| history events per store-day (min / median / max) | ${f.historyEvents.min} / ${f.historyEvents.median} / ${f.historyEvents.max} | < 100 | ${verdict(f.historyEvents.max < 100)} |`,
    `| Sitoo day pages read per run (two passes per store: the day, the card payments) | ${f.dayPagesPerRun} | | |`,
    `| outcomes over all runs | ${Object.entries(f.outcomes)
      .map(([k, v]) => `${v} ${k}`)
      .join(
        ', ',
      )}; ${f.gaps} gaps | all reconciled | ${verdict(f.gaps === 0 && Object.keys(f.outcomes).every((k) => k === 'reconciled'))} |`,
    '',
    '| run | business day | wall time | baseline | ratio | main worker RSS median / max | main worker CPU | Temporal CPU | simulators CPU / RSS max |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map((r, i) => {
      const main = proc(r, 'main worker');
      const temporal = proc(r, 'temporal');
      const sims = proc(r, 'simulators');
      return `| ${i + 1} | ${r.date} | ${s(r.wallSeconds)} | ${s(r.baselineSeconds)} | ${(r.wallSeconds / r.baselineSeconds).toFixed(2)}x | ${main ? `${main.rssMedianMb} / ${main.rssMaxMb} MB` : 'n/a'} | ${main ? `${main.cpuPercent} %` : 'n/a'} | ${temporal ? `${temporal.cpuPercent} %` : 'n/a'} | ${sims ? `${sims.cpuPercent} % / ${sims.rssMaxMb} MB` : 'n/a'} |`;
    }),
    '',
    'CPU is in % of one core over the run; the machine has ' + `${availableParallelism()}.`,
    '',
  ].join('\n');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
