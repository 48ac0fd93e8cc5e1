import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from '@temporalio/worker';
import { addDays, businessDayWindow, localDate } from '../src/domain/business-day';
import { DEFAULT_OWNER, EXCEPTION_TYPES } from '../src/domain/exceptions';
import { endOfDayWorkflowId, saleWorkflowId } from '../src/domain/ids';
import type { Mapping, StoreLocation } from '../src/domain/mapping';
import { cachedStoreHealth, createStoreHealth } from '../src/client/store-health';
import { startDevServer } from '../src/local/dev-server';
import { PROJECT_ROOT } from '../src/local/temporal-cli';
import { seededRandom } from '../src/simulators/random';
import { installRuntimeLogger } from '../src/workers/runtime-logger';
import { endOfDayStatusQuery, type EndOfDayInput } from '../src/workflows/end-of-day-contract';
import { SA } from '../src/workflows/search-attributes';
import { TASK_QUEUES } from '../src/workflows/task-queues';
import { writeSection } from './doc-section';
import { median } from './stats';
import { pino } from 'pino';

/**
 * `npm run bench:health`: how long one read of the store health page takes with many stores.
 * A mapping of `--stores` stores against a fresh dev server, whose visibility holds each store's
 * sales of the day (`--sales-per-store` sale workflows under the store's StoreId, started on a task
 * queue nobody polls, so they stay what visibility counts), parked exceptions at a fifth of the
 * stores and a few outside any store, and every store's end of day run by the real
 * `endOfDayWorkflow` with stand-in activities: one in ten parks with gaps (its status query
 * answered by the worker), the rest reconcile (their result read once). Then the health page's
 * reader runs `--runs` times at each concurrency, uncached, and the cache in front of it once.
 * Writes docs/benchmarks.md.
 */
const { values: args } = parseArgs({
  options: {
    stores: { type: 'string', default: '500' },
    'sales-per-store': { type: 'string', default: '40' },
    runs: { type: 'string', default: '7' },
    concurrency: { type: 'string', default: '4,16,64' },
    'no-doc': { type: 'boolean', default: false },
    seed: { type: 'string', default: '7' },
  },
});
const say = (line: string) => process.stderr.write(`${line}\n`);
const ZONE = 'Europe/Stockholm';
const ACCOUNT = 10020;
const NOBODY = 'bench-health-nobody';

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

async function main() {
  const storeCount = Number(args.stores);
  const salesPerStore = Number(args['sales-per-store']);
  const runs = Number(args.runs);
  const concurrencies = args.concurrency!.split(',').map(Number);
  const random = seededRandom(Number(args.seed));
  installRuntimeLogger(pino({ level: 'error' }));

  const server = await startDevServer({
    namespace: 'retail',
    dbFile: join(PROJECT_ROOT, '.data', 'bench-health.sqlite'),
    log: say,
  });
  const client = server.env.client;
  const stores: StoreLocation[] = Array.from({ length: storeCount }, (_, i) => ({
    storeId: `S${String(i + 1).padStart(3, '0')}`,
    name: `Store ${i + 1}`,
    sitooWarehouseId: 1000 + i,
    erpLocationCode: `STORE${i + 1}`,
    erpCustomerNumber: `POS-S${i + 1}`,
    webLocationId: `gid://shopify/Location/${i + 1}`,
  }));
  const mapping: Mapping = { stores, warehouses: [] };
  const today = localDate(Math.floor(Date.now() / 1000), ZONE);
  const yesterday = addDays(today, -1);

  // The real end of day with stand-in activities: the day is read, posted and matched at once.
  const gapStores = new Set(stores.filter((_, i) => i % 10 === 3).map((s) => s.storeId));
  const worker = await Worker.create({
    connection: server.env.nativeConnection,
    namespace: server.namespace,
    taskQueue: TASK_QUEUES.main,
    workflowsPath: join(PROJECT_ROOT, 'src', 'workflows', 'index.ts'),
    activities: {
      resolveStoreDay: async ({ storeId, date }: { storeId: string; date: string }) => ({
        storeId,
        date,
        timeZone: ZONE,
        warehouseId: 1,
        erpCustomerNumber: `POS-${storeId}`,
        ...businessDayWindow(date, ZONE),
      }),
      summariseDay: async ({ day }: { day: { storeId: string } }) => ({
        totals: {
          currencyCode: 'SEK',
          transactions: salesPerStore,
          sales: salesPerStore,
          refunds: 0,
          grossByVat: { '25': 100_000 },
          paymentsByTender: { card: 100_000, cash: 0, 'gift-card': 0, voucher: 0, other: 0 },
          roundingCents: 0,
        },
        pagesRead: 1,
        zReports: 1,
        zDifferences: [],
        saleGaps: gapStores.has(day.storeId) ? [{ kind: 'never-posted', orderId: 4711, posCents: 19_900 }] : [],
        saleGapCount: gapStores.has(day.storeId) ? 1 : 0,
        erpDocuments: salesPerStore,
        cashDifferenceCents: 0,
      }),
      postDayJournal: async ({ day }: { day: { storeId: string; date: string } }) => ({
        documentNumber: `E-${day.storeId}`,
        posted: 'now',
        lines: [],
      }),
      sweepDayJournal: async () => 0,
      matchDayPayouts: async () => ({
        matched: salesPerStore,
        matchedCents: 100_000,
        feesCents: 1_500,
        payoutIds: ['po_bench'],
        unmatchedPos: [],
        unmatchedCount: 0,
        pagesRead: 1,
      }),
    },
  });
  const running = worker.run();

  say(
    `Seeding ${storeCount} stores: ${storeCount * salesPerStore} sales, parked exceptions, every store's end of day...`,
  );
  const seedStarted = Date.now();
  const day = businessDayWindow(today, ZONE);
  let orderId = 1;
  const sales = stores.flatMap((s) =>
    Array.from({ length: salesPerStore }, () => ({ storeId: s.storeId, id: orderId++ })),
  );
  await inBatches(sales, 64, ({ storeId, id }) =>
    client.workflow.start('saleWorkflow', {
      taskQueue: NOBODY,
      workflowId: saleWorkflowId(ACCOUNT, id),
      args: [{}],
      typedSearchAttributes: [{ key: SA.storeId, value: storeId }],
    }),
  );
  // A fifth of the stores have one to three parked sales, of any type; five exceptions are at no mapped store.
  const parkedAt = (storeId: string, n: number) => {
    const type = EXCEPTION_TYPES[Math.floor(random() * EXCEPTION_TYPES.length)]!;
    return client.workflow.start('saleWorkflow', {
      taskQueue: NOBODY,
      workflowId: `${saleWorkflowId(ACCOUNT, orderId++)}`,
      args: [{}],
      typedSearchAttributes: [
        { key: SA.storeId, value: storeId },
        { key: SA.exceptionType, value: type },
        { key: SA.exceptionOwner, value: DEFAULT_OWNER[type] },
        { key: SA.exceptionSince, value: new Date(day.from * 1000 + n * 60_000) },
      ],
    });
  };
  const parked = stores
    .filter((_, i) => i % 5 === 0)
    .flatMap((s) => Array.from({ length: 1 + Math.floor(random() * 3) }, (_, n) => ({ storeId: s.storeId, n })));
  parked.push(...Array.from({ length: 5 }, (_, n) => ({ storeId: `sitoo-warehouse-${9000 + n}`, n })));
  await inBatches(parked, 64, ({ storeId, n }) => parkedAt(storeId, n));
  // Yesterday's close for every store (today's has not run yet, as during a trading day).
  const eods = await Promise.all(
    stores.map((s) => {
      const input: EndOfDayInput = {
        accountId: ACCOUNT,
        storeId: s.storeId,
        date: yesterday,
        payoutRecheck: '1s',
        payoutMaxWait: '0s',
      };
      return client.workflow.start('endOfDayWorkflow', {
        taskQueue: TASK_QUEUES.main,
        workflowId: endOfDayWorkflowId(s.storeId, yesterday),
        args: [input],
      });
    }),
  );
  for (const h of eods) {
    if (gapStores.has(h.workflowId.split('-')[1]!)) {
      for (;;) {
        if ((await h.query(endOfDayStatusQuery)).exception) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    } else await h.result();
  }
  // Visibility is eventually consistent: wait until it counts everything seeded.
  for (;;) {
    const { count } = await client.workflow.count(`WorkflowType = "saleWorkflow"`);
    if (count >= sales.length + parked.length) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const seedSeconds = (Date.now() - seedStarted) / 1000;
  say(`Seeded in ${seedSeconds.toFixed(0)} s. Reading the health of every store...`);

  const results: Array<{ concurrency: number; ms: number[]; first: number }> = [];
  let check: { parked: number; gaps: number; reconciled: number; sales: number } | undefined;
  for (const concurrency of concurrencies) {
    const reader = createStoreHealth({
      client,
      namespace: server.namespace,
      accountId: ACCOUNT,
      mapping: () => mapping,
      concurrency,
    });
    const ms: number[] = [];
    let first = NaN;
    for (let r = 0; r <= runs; r++) {
      const t0 = performance.now();
      const snapshot = await reader.read();
      const took = performance.now() - t0;
      // The first read also fetches every closed day's result, which later reads keep: reported apart.
      if (r === 0) first = took;
      else ms.push(took);
      check = {
        parked: snapshot.stores.reduce((n, s) => n + s.parked, 0) + snapshot.elsewhere.reduce((n, g) => n + g.count, 0),
        gaps: snapshot.stores.filter((s) => s.endOfDay.state === 'parked').length,
        reconciled: snapshot.stores.filter((s) => s.endOfDay.state === 'reconciled').length,
        sales: snapshot.stores.reduce((n, s) => n + s.sales.count, 0),
      };
    }
    results.push({ concurrency, ms, first });
    say(`concurrency ${concurrency}: first ${first.toFixed(0)} ms, median ${median(ms).toFixed(0)} ms`);
  }
  // Where a read's time goes: each kind of call alone, at concurrency 16, median of the runs.
  const timed = async (fn: () => Promise<unknown>) => {
    const ms: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      await fn();
      ms.push(performance.now() - t0);
    }
    return median(ms);
  };
  const listAll = async (query: string) => {
    let n = 0;
    for await (const _ of client.workflow.list({ query, pageSize: 1000 })) n++;
    return n;
  };
  const ids = stores.flatMap((s) => [endOfDayWorkflowId(s.storeId, today), endOfDayWorkflowId(s.storeId, yesterday)]);
  const chunks = Array.from({ length: Math.ceil(ids.length / 100) }, (_, i) => ids.slice(i * 100, i * 100 + 100));
  const yesterdayFrom = new Date(businessDayWindow(yesterday, ZONE).from * 1000).toISOString();
  const phases = {
    counts: await timed(() =>
      inBatches(stores, 16, (s) =>
        client.workflow.count(
          `WorkflowType = "saleWorkflow" AND StoreId = "${s.storeId}" AND StartTime >= "${new Date(day.from * 1000).toISOString()}" AND StartTime < "${new Date(day.to * 1000).toISOString()}"`,
        ),
      ),
    ),
    parked: await timed(() => listAll('ExceptionType IS NOT NULL AND ExecutionStatus = "Running"')),
    endOfDayIn: await timed(() =>
      inBatches(chunks, 16, (c) => listAll(`WorkflowId IN (${c.map((id) => `"${id}"`).join(', ')})`)),
    ),
    endOfDayByType: await timed(() => listAll(`WorkflowType = "endOfDayWorkflow" AND StartTime >= "${yesterdayFrom}"`)),
  };
  say(`phases: ${JSON.stringify(phases)}`);

  // The page's cache: the first caller waits for a read; later ones get the last snapshot at once,
  // even when it is older than the TTL (it is read again in the background).
  const cached = cachedStoreHealth(
    createStoreHealth({ client, namespace: server.namespace, accountId: ACCOUNT, mapping: () => mapping }),
    1,
  );
  await cached.read();
  const hits: number[] = [];
  for (let r = 0; r < runs; r++) {
    await new Promise((res) => setTimeout(res, 5));
    const t0 = performance.now();
    await cached.read();
    hits.push(performance.now() - t0);
  }
  // Let the background read the last call started finish before the server stops.
  await new Promise((res) => setTimeout(res, 15_000));

  worker.shutdown();
  await running;
  await server.stop();

  // A day with gaps is parked too, at its store.
  // Parked sales at a mapped store are that store's sales of the day too.
  const parkedSales = parked.filter((p) => !p.storeId.startsWith('sitoo-warehouse-')).length;
  const expected = {
    parked: parked.length + gapStores.size,
    sales: sales.length + parkedSales,
    gaps: gapStores.size,
    reconciled: storeCount - gapStores.size,
  };
  const correct =
    check?.parked === expected.parked &&
    check.sales === expected.sales &&
    check.gaps === expected.gaps &&
    check.reconciled === expected.reconciled;
  const cores = availableParallelism();
  const machine = `${cores} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB), Node ${process.version}`;
  const section = [
    '## Store health',
    '',
    `Measured ${today} on ${machine}.`,
    '',
    '```sh',
    `npm run bench:health -- --stores ${storeCount} --sales-per-store ${salesPerStore} --runs ${runs} --concurrency ${concurrencies.join(',')}`,
    '```',
    '',
    `One read of the store health page's data (\`src/client/store-health.ts\`) for a mapping of ${storeCount} stores, against a fresh Temporal dev server (SQLite) whose visibility holds ${sales.length} sale workflows of the day (${salesPerStore} per store), ${parked.length} parked exceptions (at a fifth of the stores, and 5 at no mapped store) and every store's end of day for the day before, run by the real \`endOfDayWorkflow\` with stand-in activities (${gapStores.size} parked with gaps, whose status query a worker answers; the rest reconciled). A read is one visibility count per store (sales of the day; visibility refuses GROUP BY StoreId), one list of every parked exception, ${Math.ceil((storeCount * 2) / 100)} list(s) of end-of-day runs (today's and yesterday's ids, \`WorkflowId IN\`, 100 ids each), a status query per parked day and the stock coalescer's status (not started here: one NotFound). Seeding took ${seedSeconds.toFixed(0)} s. Figures are the median of ${runs} reads after a first one, which also reads each reconciled day's result once (kept after, as a closed run never changes).`,
    '',
    '| concurrency (calls in flight) | first read | median read | fastest | slowest |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.concurrency} | ${(r.first / 1000).toFixed(2)} s | ${(median(r.ms) / 1000).toFixed(2)} s | ${(Math.min(...r.ms) / 1000).toFixed(2)} s | ${(Math.max(...r.ms) / 1000).toFixed(2)} s |`,
    ),
    '',
    'Where the time goes, each kind of call alone (16 in flight, median of the runs):',
    '',
    '| calls | time |',
    '| --- | ---: |',
    `| ${storeCount} counts of the day's sales, one per store | ${(phases.counts / 1000).toFixed(2)} s |`,
    `| 1 list of every parked exception | ${(phases.parked / 1000).toFixed(2)} s |`,
    `| ${chunks.length} lists of end-of-day runs by id (\`WorkflowId IN\`) | ${(phases.endOfDayIn / 1000).toFixed(2)} s |`,
    `| for comparison: 1 list of end-of-day runs by type and start time | ${(phases.endOfDayByType / 1000).toFixed(2)} s |`,
    '',
    "The counts are the read: about 15 ms each, one after another whatever the concurrency, as the dev server's visibility is one SQLite connection. On a cluster's visibility store (PostgreSQL, Elasticsearch, Temporal Cloud) they run side by side up to the concurrency (16 by default), within the namespace's visibility rate limit; a per-store read (`--store`) is one count.",
    '',
    `The page answers from its cache (\`cachedStoreHealth\`): the first caller waits for a read; every later one gets the last snapshot at once, and one older than 15 s is read again in the background, one read at a time. Answer time from the cache, snapshot older than its TTL: median ${median(hits).toFixed(2)} ms. Every read found what was seeded (${correct ? 'checked' : `NOT: found ${JSON.stringify(check)}, seeded ${JSON.stringify(expected)}`}): ${expected.sales} sales, ${expected.parked} parked, ${expected.gaps} days with gaps, ${expected.reconciled} reconciled.`,
    '',
  ].join('\n');
  console.log(section);
  if (!args['no-doc']) await writeSection(join(PROJECT_ROOT, 'docs', 'benchmarks.md'), 'Store health', section);
  return correct ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
