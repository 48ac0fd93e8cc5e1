import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SitooClient } from '../src/connectors/sitoo/client';
import { sitooOrderErpDocumentNumber } from '../src/domain/ids';
import { OrderState, PaymentState } from '../src/domain/sale';
import type { LocalStack } from '../src/local/stack';
import { startSale } from '../src/client/sale-starts';

/**
 * The concurrent batch for the "inventory first" run: web-style orders created in Sitoo over its
 * REST API (paid and closed, no warehouse transaction), then their sale workflows started in bulk,
 * so thousands of ERP bookings queue on the main task queue while the store sales play.
 */
export interface BatchOrders {
  orderIds: number[];
  /** Warehouse transactions the order creation booked (must be 0: web orders move no store stock). */
  warehouseTransactionsCreated: number;
  seconds: number;
}

/** Runs `fn` over items with at most `concurrency` in flight; resolves with the number that threw. */
async function pool<T>(
  items: T[],
  concurrency: number,
  fn: (item: T, i: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<number> {
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length && !signal?.aborted) {
        const i = next++;
        await fn(items[i]!, i).catch(() => void failed++);
      }
    }),
  );
  return failed;
}

/**
 * Creates the orders. Their `add` events are taken by a sink while this runs (Sitoo delivers one
 * stream, in order: 2,000 order events would otherwise queue ahead of the store sales' stock
 * events), because the batch's sale workflows are started in bulk by `startBatch`, not by events.
 * Call it when no store sale is being played.
 */
export async function createBatchOrders(
  stack: LocalStack,
  opts: {
    size: number;
    warehouseId: number;
    item: { sku: string; unitPriceGross: string; vatPercent: number };
    runTag: string;
    signal?: AbortSignal;
  },
): Promise<BatchOrders> {
  const started = Date.now();
  await stack.sitoo.events.waitUntilDrained(60_000);
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((ok) => sink.listen(0, '127.0.0.1', ok));
  const restore = { url: stack.receiverUrl, username: stack.env.EVENTS_USERNAME, password: stack.env.EVENTS_PASSWORD };
  stack.sitoo.events.setReceiver({ url: `http://127.0.0.1:${(sink.address() as AddressInfo).port}` });
  const transactionsBefore = stack.sitoo.state.transactions().length;
  const sitoo = new SitooClient({
    baseUrl: stack.env.SITOO_BASE_URL,
    accountId: stack.env.SITOO_ACCOUNT_ID,
    eshopId: stack.env.SITOO_ESHOP_ID,
    apiId: stack.env.SITOO_API_ID,
    apiPassword: stack.env.SITOO_API_PASSWORD,
  });
  const orderIds: number[] = new Array<number>(opts.size);
  try {
    const failed = await pool(
      Array.from({ length: opts.size }, (_, i) => i),
      20,
      async (i) => {
        orderIds[i] = await sitoo.createOrder({
          ordertypeid: 10,
          orderstateid: OrderState.Closed,
          paymentstateid: PaymentState.Successful,
          warehouseid: opts.warehouseId,
          externalid: `bench-${opts.runTag}-${i}`,
          checkouttypename: 'Web - Card',
          orderitems: [
            {
              productname: opts.item.sku,
              sku: opts.item.sku,
              quantity: 1,
              moneyrowprice: opts.item.unitPriceGross,
              vatvalue: opts.item.vatPercent,
            },
          ],
          payments: [{ name: 'Card', moneyamount: opts.item.unitPriceGross }],
        });
      },
      opts.signal,
    );
    if (failed) throw new Error(`${failed} of ${opts.size} batch orders could not be created in Sitoo`);
    await stack.sitoo.events.waitUntilDrained(120_000);
  } finally {
    stack.sitoo.events.setReceiver(restore);
    await new Promise<void>((ok) => sink.close(() => ok()));
  }
  return {
    orderIds,
    warehouseTransactionsCreated: stack.sitoo.state.transactions().length - transactionsBefore,
    seconds: (Date.now() - started) / 1000,
  };
}

export interface RunningBatch {
  /** Resolves when every start call has returned. */
  started: Promise<{ started: number; failed: number; seconds: number }>;
  /** Batch sales booked in the ERP so far (a posted invoice with the Sitoo order id). */
  booked(): number;
}

/** Starts the batch's sale workflows in bulk through the same starter the receiver and the poller use. */
export function startBatch(
  stack: LocalStack,
  orderIds: number[],
  concurrency: number,
  signal?: AbortSignal,
): RunningBatch {
  const t0 = Date.now();
  const cfg = {
    accountId: stack.env.SITOO_ACCOUNT_ID,
    eshopId: stack.env.SITOO_ESHOP_ID,
    paymentConfirmationTimeout: stack.env.PAYMENT_CONFIRMATION_TIMEOUT,
  };
  const ids = new Set(orderIds.map((id) => sitooOrderErpDocumentNumber(stack.env.SITOO_ACCOUNT_ID, id)));
  return {
    started: pool(
      orderIds,
      concurrency,
      async (orderId) => void (await startSale(stack.client, cfg, orderId, 'manual')),
      signal,
    ).then((failed) => ({
      started: orderIds.length - failed,
      failed,
      seconds: (Date.now() - t0) / 1000,
    })),
    booked: () =>
      stack.erp.state.salesDocuments().filter((d) => d.kind === 'invoice' && ids.has(d.externalDocumentNumber)).length,
  };
}
