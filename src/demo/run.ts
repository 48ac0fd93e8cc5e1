import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../config/logger';
import { installRuntimeLogger } from '../workers/runtime-logger';
import { parseDuration } from '../domain/duration';
import { startDevServer } from '../local/dev-server';
import { startLocalStack } from '../local/stack';
import { PROJECT_ROOT } from '../local/temporal-cli';
import { PaymentState } from '../domain/sale';
import { ensureSitooPollSchedule } from '../client/sitoo-poll-schedule';
import { ensureErpStockPollSchedule } from '../client/stock-starts';
import { checkEndState, readStatuses, type PlayedSale } from './check';
import { startFlakyProxy } from './flaky-proxy';
import { checkOddEvents, sendOddEvents } from './odd-events';
import { renderTable, summarise } from './report';
import { checkStock, playStockChange, runDriftCheck, stockStatus, waitForStockIdle, type StockPlayed } from './stock';
import { cardPayment, closeTheDay } from './day-close';
import { checkCatalogue, DEMO_CATALOGUE_SYNC, playCatalogue, renderCatalogue, startCatalogueSync } from './catalogue';
import { checkOmni, playOmni, renderOmni } from './omni';
import { buildScenario } from './scenario';
import { listParked, renderParked } from './parked';

/**
 * `npm run demo`: a trading hour on the whole stack, on embedded defaults. Starts a Temporal dev
 * server (web UI included), the simulators, the workers and the receiver; plays the sales with
 * faults switched on; waits until every sale is completed or parked; checks the end state against
 * the simulators; prints the per-store summary (or JSON with --json); exits non-zero if anything is off.
 */
const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    'keep-running': { type: 'boolean', default: false },
    'sales-per-store': { type: 'string', default: '64' },
    duration: { type: 'string', default: '20s' },
    seed: { type: 'string', default: '2026' },
  },
});

const say = (line: string) => process.stderr.write(`${line}\n`);
const started = Date.now();
const PAYMENT_TIMEOUT = '15s';

async function main(): Promise<number> {
  const logger = createLogger('demo', process.env.LOG_LEVEL ?? 'error');
  installRuntimeLogger(logger);
  const port = Number(process.env.DEMO_TEMPORAL_PORT ?? 7233);
  say(`Starting the Temporal dev server on 127.0.0.1:${port} (UI on ${port + 1000})...`);
  const server = await startDevServer({
    namespace: 'retail',
    port,
    uiPort: port + 1000,
    dbFile: join(PROJECT_ROOT, '.data', 'temporal-demo.sqlite'),
    log: say,
  });
  const scenario = buildScenario({
    seed: Number(args.seed),
    salesPerStore: Number(args['sales-per-store']),
    durationMs: parseDuration(args.duration!) ?? 20_000,
    maxLatePaymentMs: 5_000,
  });
  say(
    `Starting simulators, workers and the events receiver; ${scenario.sales.length} sales across ${scenario.stores.length} stores...`,
  );
  // In clear, so the Temporal UI shows each workflow's input and result (no codec endpoint yet).
  const stack = await startLocalStack({
    payloadKeys: null,
    // The store health page, as the receiver process serves it, linking into the dev server's UI.
    opsPage: { temporalUiUrl: `http://127.0.0.1:${port + 1000}` },
    temporal: { address: server.address, namespace: server.namespace },
    dataDir: join(PROJECT_ROOT, '.data', 'demo'),
    stores: scenario.stores,
    warehouses: scenario.warehouses,
    catalogue: scenario.catalogue,
    buffers: scenario.buffers,
    paymentConfirmationTimeout: PAYMENT_TIMEOUT,
    // Short enough that the demo watches an uncollected order expire.
    pickupExpiry: '20s',
    erpRequestTimeout: '1s',
    erpLateCommitWindow: '3s',
    // Products and prices from the ERP to Sitoo and the web shop (catalogue.ts).
    catalogueSync: DEMO_CATALOGUE_SYNC,
    eventsDuplicateRate: 0.05,
    faults: {
      sitoo: { errorRate: 0.03, throttleRate: 0.02, retryAfterSeconds: 1, lostResponseRate: 0.03 },
      // Some ERP writes commit 2 s after they arrive, after the client (1 s) gave up: booked once all the same.
      erp: {
        errorRate: 0.04,
        throttleRate: 0.03,
        retryAfterSeconds: 1,
        lostResponseRate: 0.08,
        latencyMs: 5,
        lateCommitRate: 0.03,
        lateCommitDelayMs: 2_000,
      },
      ecommerce: { errorRate: 0.03, throttleRate: 0.03, retryAfterSeconds: 1, lostResponseRate: 0.05 },
    },
    logger,
  });
  // Where `npm run docs:screenshots` finds the page and the Temporal UI while the demo runs.
  await writeFile(
    join(PROJECT_ROOT, '.data', 'demo', 'ops.json'),
    JSON.stringify({
      ...stack.ops,
      temporal: { address: server.address, namespace: server.namespace, uiUrl: `http://127.0.0.1:${port + 1000}` },
    }),
  );
  const proxy = await startFlakyProxy(stack.receiverUrl, 0.08);
  stack.sitoo.events.setReceiver({
    url: proxy.url,
    username: stack.env.EVENTS_USERNAME,
    password: stack.env.EVENTS_PASSWORD,
  });
  sendOddEvents(stack, 0.05);
  await ensureSitooPollSchedule(stack.client, { accountId: stack.env.SITOO_ACCOUNT_ID, every: '10s', fromOrderId: 1 });
  const erpStockPoll = await ensureErpStockPollSchedule(stack.client, {
    accountId: stack.env.SITOO_ACCOUNT_ID,
    every: '5s',
  });
  await startCatalogueSync(stack);

  const played: PlayedSale[] = [];
  const lateTimers: Promise<void>[] = [];
  const progress = setInterval(() => void report(false), 2_000);
  async function report(final: boolean) {
    const count = async (q: string) =>
      (await stack.client.workflow.count(`WorkflowType = 'saleWorkflow' AND ${q}`)).count;
    const [done, parked] = await Promise.all([
      count(`ExecutionStatus != 'Running'`),
      count(`ExecutionStatus = 'Running' AND ExceptionType IS NOT NULL`),
    ]).catch(() => [NaN, NaN]);
    const ev = stack.sitoo.events.stats;
    say(
      `${final ? 'settled' : 'progress'} t=${((Date.now() - started) / 1000).toFixed(0)}s  sales ${played.length}/${scenario.sales.length}  events delivered ${ev.delivered}/${ev.enqueued}  workflows done ${done}, parked ${parked}, in flight ${played.length - done - parked}`,
    );
    return done + parked;
  }

  const t0 = Date.now();
  const stockPlayed: StockPlayed = { recorded: [], handEdits: [], webOrders: [] };
  const duringHour = scenario.stockChanges.filter((c) => c.kind !== 'web-hand-edit');
  const stockTimers = duringHour.map(
    (c) => new Promise<void>((r) => setTimeout(() => r(playStockChange(stack, scenario, c, stockPlayed)), c.at)),
  );
  for (const sale of scenario.sales) {
    const wait = t0 + sale.at - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const paid = sale.kind === 'paid' || sale.kind === 'unknown-sku' || sale.kind === 'unmapped-warehouse';
    // Card sales also reach the card processor, unless the payment never went through.
    const payments = cardPayment(stack, sale, sale.kind !== 'never-paid');
    const order = stack.sitoo.pos.recordSale({
      warehouseId: sale.warehouseId,
      lines: sale.lines,
      payments,
      paymentStateId: paid ? PaymentState.Successful : PaymentState.Pending,
    });
    played.push({ orderId: order.orderId, sale });
    if (sale.kind === 'paid-late') {
      lateTimers.push(
        new Promise((r) =>
          setTimeout(
            () => r(stack.sitoo.pos.setPaymentState(order.orderId, PaymentState.Successful)),
            sale.paidAfterMs,
          ),
        ),
      );
    }
  }
  await Promise.all([...lateTimers, ...stockTimers]);
  say('Trading hour over; waiting for every sale to be completed or parked...');
  await stack.sitoo.events.waitUntilDrained(120_000);
  sendOddEvents(stack, 0);
  clearInterval(progress);
  const deadline = Date.now() + 180_000;
  while ((await report(false)) < played.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2_000));
  await report(true);
  const skus = scenario.catalogue.map((c) => c.sku);
  const omni = await playOmni(stack, skus, say);
  // The last goods receipt may be newer than the last scheduled ERP poll; then let stock settle.
  await stack.client.schedule.getHandle(erpStockPoll).trigger();
  await waitForStockIdle(stack, 60_000);
  for (const edit of scenario.stockChanges.filter((c) => c.kind === 'web-hand-edit'))
    playStockChange(stack, scenario, edit, stockPlayed);
  say('Running the stock drift check (master against web, every location)...');
  const drift = await runDriftCheck(stack);
  const stock = await stockStatus(stack);
  const catalogue = await playCatalogue(stack, scenario, Date.now() - t0, say);
  // Its sale of a SKU created afterwards is checked and closed like the hour's paid sales.
  if (catalogue.sale) played.push(catalogue.sale);

  const statuses = await readStatuses(stack.client, stack.env.SITOO_ACCOUNT_ID, played);
  const omniCheck = await checkOmni(stack, omni, skus);
  const day = await closeTheDay(stack, played, omni, say);
  const odd = await checkOddEvents(stack);
  say(`${odd.sent} odd Sitoo events slipped into the stream; each must be parked and acknowledged.`);
  const problems = [
    ...checkEndState(stack, scenario, played, statuses),
    ...checkStock(stack, scenario, stockPlayed, drift, stock?.held),
    ...omniCheck.problems,
    ...day.problems,
    ...odd.problems,
    ...(await checkCatalogue(stack, scenario, catalogue, statuses)),
  ];
  const exceptionsByOrder = new Map(
    [...statuses].filter(([, s]) => s.status.exception).map(([id, s]) => [id, s.status.exception!.type]),
  );
  const summary = summarise(stack, scenario, played, exceptionsByOrder, {
    wallTimeSeconds: (Date.now() - started) / 1000,
    temporalUi: server.uiUrl,
    check: { ok: problems.length === 0, problems },
    refusedByProxy: proxy.refused(),
    stock: stock && {
      transactions: stock.totals.transactions,
      flushes: stock.totals.flushes,
      webLevelsWritten: stock.totals.written,
      ecommerceCalls: stock.totals.ecommerceCalls,
      ecommerceCallsPerSale: stock.totals.ecommerceCalls / Math.max(1, played.length),
      staleRetries: stock.totals.staleRetries,
      mirrored: stock.totals.mirrored,
      erpStockAdjustments: stack.erp.state.stockAdjustments().length,
      driftCorrected: drift.locations.reduce((n, l) => n + l.corrected.length, 0),
      webOrderUnitsCommitted: stockPlayed.webOrders.reduce((n, o) => n + o.quantity, 0),
    },
  });
  // What is left for people: each parked exception with a command, and the health page.
  const parked = await listParked(stack.client, {
    namespace: server.namespace,
    ...(port === 7233 ? {} : { address: server.address }),
  });
  const ops = stack.ops!;
  const healthPage = { ...ops, url: `${ops.url}/` };
  const cli = `OPS_URL=${ops.url} OPS_PASSWORD=${ops.password} npm run ops -- health --store S02`;
  console.log(
    args.json
      ? JSON.stringify({ ...summary, omni: omniCheck.summary, catalogue, parked, healthPage }, null, 2)
      : [
          renderTable(summary),
          renderOmni(omniCheck.summary),
          renderCatalogue(catalogue),
          `Day close:\n${day.lines.join('\n')}`,
          '',
          renderParked(parked),
          '',
          `Store health page: ${healthPage.url}  (user ${ops.username}, password ${ops.password}; ${args['keep-running'] ? 'up until Ctrl-C' : 'up while the demo runs: --keep-running keeps it'})`,
          `The same in a terminal: ${cli}`,
        ].join('\n'),
  );

  if (args['keep-running']) {
    say(
      `\nThe stack keeps running for you to explore: ${server.uiUrl}  (Temporal address ${server.address}, namespace ${server.namespace}). Ctrl-C stops it.`,
    );
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  }
  await proxy.close();
  await stack.close();
  await server.stop();
  return problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
