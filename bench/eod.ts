import { mkdir } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { businessDayWindow, localDate } from '../src/domain/business-day';
import { endOfDayWorkflowId } from '../src/domain/ids';
import { startDevServer } from '../src/local/dev-server';
import { startLocalStack, type CatalogueItem, type StoreSeed } from '../src/local/stack';
import { PROJECT_ROOT } from '../src/local/temporal-cli';
import { createSalesOrder } from '../src/simulators/business-central/sales';
import { seededRandom } from '../src/simulators/random';
import { installRuntimeLogger } from '../src/workers/runtime-logger';
import { endOfDayStatusQuery, type EndOfDayInput, type ReconciliationReport } from '../src/workflows/end-of-day-contract';
import { TASK_QUEUES } from '../src/workflows/task-queues';
import { writeSection } from './doc-section';

/**
 * `npm run bench:eod`: end of day for many stores at once. Seeds a business day of till sales per
 * store straight into the simulators (Sitoo orders with card and cash payments, the matching ERP
 * invoices, the processor's charges and a payout, a Z-report per register), then starts every
 * store's end of day together and measures the wall time until all have posted and reconciled,
 * the Sitoo pages read, and the history length of each workflow. Writes docs/benchmarks.md.
 */
const { values: args } = parseArgs({ options: {
  stores: { type: 'string', default: '100' },
  transactions: { type: 'string', default: '2000' },
  'no-doc': { type: 'boolean', default: false },
  seed: { type: 'string', default: '11' },
} });
const say = (line: string) => process.stderr.write(`${line}\n`);
const ZONE = 'Europe/Stockholm';

async function main(): Promise<void> {
  const storeCount = Number(args.stores);
  const perStore = Number(args.transactions);
  if (!(storeCount >= 1 && storeCount <= 500) || !(perStore >= 1 && perStore <= 20_000)) throw new Error('--stores must be 1-500 and --transactions 1-20000');
  const logger = pino({ name: 'bench-eod', level: 'warn' }, pino.destination(2));
  installRuntimeLogger(logger);
  const dataDir = join(PROJECT_ROOT, '.data', 'bench-eod');
  await mkdir(dataDir, { recursive: true });
  const catalogue: CatalogueItem[] = Array.from({ length: 50 }, (_, i) => ({ sku: `SKU-${i + 1}`, name: `Item ${i + 1}`, unitPriceGross: `${(i % 9) * 10 + 49}.00`, vatPercent: 25 }));
  const stores: StoreSeed[] = Array.from({ length: storeCount }, (_, i) => ({ storeId: `S${String(i + 1).padStart(3, '0')}`, name: `Store ${i + 1}`, warehouseId: 1001 + i, erpLocationCode: `ST${String(i + 1).padStart(3, '0')}`, mapped: true, stock: {} }));

  say('Starting a Temporal dev server, the simulators and the workers...');
  const server = await startDevServer({ namespace: 'bench-eod', dbFile: join(dataDir, `temporal-${Date.now()}.sqlite`), log: say });
  // The simulators share this process with the worker: a bounded number of activities at once keeps
  // them responsive. The ERP serves pages of up to 20,000 rows, as Business Central online does.
  const stack = await startLocalStack({ temporal: { address: server.address, namespace: server.namespace }, dataDir: join(dataDir, 'stack'), stores, catalogue, paymentConfirmationTimeout: '1h', logger, seed: Number(args.seed), mainActivitySlots: 8, erpPageSize: 20_000 });
  try {
    // The seeded day must not start sale workflows: its ERP documents are seeded too.
    await stack.sitoo.events.stop();
    const yesterday = localDate(Math.floor(Date.now() / 1000) - 86_400, ZONE);
    const window = businessDayWindow(yesterday, ZONE);
    const random = seededRandom(Number(args.seed));
    const seedStart = Date.now();
    say(`Seeding ${storeCount} stores x ${perStore} transactions for ${yesterday} (${ZONE})...`);
    for (const [si, store] of stores.entries()) {
      const customer = `POS-${store.storeId}`;
      for (let n = 0; n < perStore; n++) {
        const item = catalogue[Math.floor(random() * catalogue.length)]!;
        // Trading hours end before the registers close, an hour before midnight.
        const orderDate = window.from + Math.floor(((n + 0.5) / perStore) * (window.to - window.from - 7200));
        const card = random() < 0.7;
        const reference = `t-${store.storeId}-${n}`;
        const order = stack.sitoo.pos.recordSale({ warehouseId: store.warehouseId, orderDate, lines: [{ sku: item.sku, quantity: 1, unitPriceGross: item.unitPriceGross, vatPercent: 25 }], payments: [{ name: card ? 'Card' : 'Cash', amount: item.unitPriceGross, ...(card ? { reference } : {}) }] });
        if (card) stack.payments.state.recordCardPayment({ amountCents: Math.round(Number(item.unitPriceGross) * 100), currency: 'SEK', reference, storeId: store.storeId, at: new Date(orderDate * 1000) });
        const erpOrder = createSalesOrder(stack.erp.state, { externalDocumentNumber: String(order.orderId), customerNumber: customer, orderDate: new Date(orderDate * 1000).toISOString().slice(0, 10),
          salesOrderLines: [{ lineType: 'Item', lineObjectNumber: item.sku, quantity: 1, unitPrice: Number(item.unitPriceGross), locationId: stack.erp.state.locationByCode(store.erpLocationCode)!.id }] });
        stack.erp.state.postOrder(erpOrder);
      }
      stack.sitoo.pos.closeRegister({ warehouseId: store.warehouseId, at: new Date(window.to * 1000 - 3_600_000) });
      if (si % 20 === 19) say(`  ${si + 1} stores seeded`);
    }
    stack.payments.state.runPayout({ cutoff: new Date(window.to * 1000 + 3 * 3600_000), arrivalDate: localDate(window.to + 86_400, ZONE) });
    say(`Seeded in ${((Date.now() - seedStart) / 1000).toFixed(0)} s. Starting ${storeCount} end-of-day workflows at once...`);

    const started = Date.now();
    const handles = await Promise.all(stores.map((s) => stack.client.workflow.start('endOfDayWorkflow', {
      workflowId: endOfDayWorkflowId(s.storeId, yesterday), taskQueue: TASK_QUEUES.main,
      args: [{ accountId: stack.env.SITOO_ACCOUNT_ID, storeId: s.storeId, date: yesterday, payoutRecheck: '1h', payoutMaxWait: '5d' } satisfies EndOfDayInput],
    })));
    // Done means posted and reconciled, or parked with its gaps listed: a parked day waits for finance, not for us.
    const settled = (h: (typeof handles)[number]) => new Promise<ReconciliationReport>((resolve, reject) => {
      h.result().then(resolve, reject);
      // Parked shows in the ExceptionType search attribute, which describe reads without asking the worker.
      const poll = setInterval(() => void h.describe().then(async (d) => {
        if (d.status.name !== 'RUNNING' || !d.searchAttributes.ExceptionType?.length) return;
        clearInterval(poll);
        resolve((await h.query(endOfDayStatusQuery)).report!);
      }).catch(() => undefined), 2_000);
      void h.result().finally(() => clearInterval(poll)).catch(() => undefined);
    });
    const reports: ReconciliationReport[] = await Promise.all(handles.map(settled));
    const wallSeconds = (Date.now() - started) / 1000;
    const dayPages = reports.reduce((n, r) => n + r.sitooPagesRead, 0);
    const histories = await Promise.all(handles.map(async (h) => (await h.describe()).historyLength));
    const statuses = reports.reduce<Record<string, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});
    const sorted = [...histories].sort((a, b) => a - b);
    const figures = {
      stores: storeCount, transactionsPerStore: perStore, wallSeconds, dayPages,
      historyEvents: { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]! }, statuses,
      gaps: reports.reduce((n, r) => n + r.gapCount, 0),
    };
    console.log(JSON.stringify(figures, null, 2));
    const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
    const section = [
      '## End of day', '',
      `Measured ${new Date().toISOString().slice(0, 10)} on ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB), Node ${process.version}.`, '',
      '```sh', `npm run bench:eod -- --stores ${storeCount} --transactions ${perStore}`, '```', '',
      `A business day (${ZONE}) of ${perStore} till sales per store is seeded straight into the simulators (Sitoo orders paid by card or cash, the matching posted ERP invoices, the processor's charges and one payout, a Z-report per register); then all ${storeCount} end-of-day workflows start at once on the main worker (in this process) and the clock runs until every one has posted its journal and reconciled.`, '',
      '| figure | measured | target | verdict |', '| --- | ---: | ---: | ---: |',
      `| wall time, all stores posted and reconciled | ${wallSeconds.toFixed(1)} s | < 60 s | ${verdict(wallSeconds < 60)} |`,
      `| history events per store-day (min / median / max) | ${figures.historyEvents.min} / ${figures.historyEvents.median} / ${figures.historyEvents.max} | < 100 | ${verdict(figures.historyEvents.max < 100)} |`,
      `| Sitoo day pages read (two passes per store: the day, the card payments) | ${dayPages} | | |`,
      `| outcomes | ${Object.entries(statuses).map(([k, v]) => `${v} ${k}`).join(', ')}; ${figures.gaps} gaps | all reconciled | ${verdict(figures.gaps === 0)} |`,
      '',
    ].join('\n');
    if (!args['no-doc']) await writeSection(join(PROJECT_ROOT, 'docs', 'benchmarks.md'), 'End of day', section);
  } finally {
    await stack.close();
    await server.stop();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
