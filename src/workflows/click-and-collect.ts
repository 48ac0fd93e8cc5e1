import {
  type ApplicationFailure,
  condition,
  log,
  patched,
  proxyActivities,
  setHandler,
  setWorkflowOptions,
  sleep,
} from '@temporalio/workflow';
import type { ClickAndCollectActivities } from '../activities/click-and-collect-activities';
import { collectionPayment, pickupLines, soldLines, type PricedLine } from '../domain/click-and-collect';
import { businessDate } from '../domain/business-day';
import { durationMs, InvalidDurationError, erpLateCommitWindowMs } from '../domain/duration';
import type { ExceptionType } from '../domain/exceptions';
import type { StoreLocation } from '../domain/mapping';
import { formatCents, unitsShare } from '../domain/money';
import { OrderState, saleOrderWithCents, type SaleOrder } from '../domain/sale';
import {
  pickupOf,
  pickupPayment,
  webOrderWithCents,
  type PickupPayment,
  type WebFulfillmentOrder,
  type WebOrder,
} from '../domain/web-order';
import {
  clickAndCollectStatusQuery,
  storePickupUpdateSignal,
  webOrderCancelledSignal,
  type ClickAndCollectInput,
  type ClickAndCollectResult,
  type ClickAndCollectStatus,
  type ClickAndCollectStep,
  type StorePickupUpdate,
} from './click-and-collect-contract';
import { OUTSIDE_CALL, summarised } from './activity-options';
import { installParking, refusalType, untilAccepted } from './parking';

const act = summarised(proxyActivities<ClickAndCollectActivities>(OUTSIDE_CALL), {
  readWebOrder: ({ webOrderId }) => `Read web order ${webOrderId}`,
  storeForPickup: ({ webLocationId, storeId }) => `Find the pickup store ${storeId ?? webLocationId}`,
  checkPickupStock: ({ storeId, lines }) => `Check stock for ${lines.length} line(s) at ${storeId}`,
  ensurePickupOrder: ({ webOrder, storeId }) =>
    `Create the pickup order for web order ${webOrder.legacyId} at ${storeId}`,
  readPickupOrder: ({ sitooOrderId }) => `Read pickup order ${sitooOrderId} in Sitoo`,
  cancelPickupUnlessCollected: ({ sitooOrderId }) => `Cancel pickup order ${sitooOrderId} unless collected`,
  cancelPickupOrder: ({ sitooOrderId }) => `Cancel pickup order ${sitooOrderId} in Sitoo`,
  refreshWebStock: ({ storeId, skus }) => `Write web stock of ${skus.length} SKU(s) at ${storeId}`,
  markReadyOnWeb: ({ fulfillmentOrderId }) => `Mark ready for pickup on the web (${fulfillmentOrderId})`,
  fulfilOnWeb: ({ fulfillmentOrderId }) => `Fulfil on the web (${fulfillmentOrderId})`,
  cancelWebOrder: ({ webOrderId, reason }) => `Cancel web order ${webOrderId} (${reason})`,
  bookCollectedOrder: ({ webOrderId, storeId }) => `Book collected web order ${webOrderId} in the ERP at ${storeId}`,
  sweepCollectedOrderTwins: ({ webOrderId }) => `Take back late twins of web order ${webOrderId} in the ERP`,
});

const REJECTED_AND_CANCELLED = 'the store rejected the pickup and an operator cancelled the order';

/**
 * Decisions are taken from the orders read back from Shopify and Sitoo, never from a signal alone:
 * a cancel notice is checked against Shopify, each wake-up reads the Sitoo order first (a collection
 * beats a cancel), the payment decides how the pickup order is created and whether it is booked,
 * and the store's web level is written again after the pickup is fulfilled. Workflows that were
 * past these points before the change replay their old path.
 */
const DECIDE_FROM_READ_BACK_STATE = 'collect-decides-from-read-back-state';

/** A store gone from the mapping parks for the mapping's keeper; before, as the refused step's type. */
const UNMAPPED_STORE_PARKS_FOR_MAPPING = 'collect-unmapped-store-parks-for-mapping';

setWorkflowOptions({ failureExceptionTypes: [InvalidDurationError] }, clickAndCollectWorkflow);

/**
 * One web order collected in a store, from the order webhook to the customer walking out with it
 * (or the order expiring, or being cancelled on either side). The store's steps arrive from Sitoo
 * events, relayed by the pickup order's Sitoo-side workflow; each step is mirrored to the web
 * order, and only a collected, paid order becomes an ERP sale, at the store's location.
 */
export async function clickAndCollectWorkflow(input: ClickAndCollectInput): Promise<ClickAndCollectResult> {
  const status: ClickAndCollectStatus = {
    webOrderId: input.webOrderId,
    step: 'reading-order',
    steps: [],
    resolutions: [],
  };
  const updates: StorePickupUpdate[] = [];
  const seen = new Set<string>();
  let webCancelled = false;
  /** Cancel notices not yet checked against the order Shopify shows. */
  const cancelNotices: Array<{ webhookId: string }> = [];
  /** What the pickup order reserves, to recompute those web levels when it goes away. */
  let reservedSkus: string[] = [];

  setHandler(storePickupUpdateSignal, (u) => {
    if (seen.has(u.key)) return;
    seen.add(u.key);
    updates.push(u);
  });
  // Only a notice: the topic header is not signed, so a replayed orders/create body can arrive here.
  setHandler(webOrderCancelledSignal, (notice) => {
    webCancelled = true;
    cancelNotices.push({ webhookId: notice.webhookId });
  });

  const step = (s: ClickAndCollectStep) => {
    status.step = s;
    status.steps.push({ step: s, at: new Date().toISOString() });
  };
  // `skip` does not end this flow: where it is offered it means "the store does that by hand".
  const parking = installParking({
    status,
    statusQuery: clickAndCollectStatusQuery,
    setStep: step,
    refusalActions: ['retry'],
  });
  const { park } = parking;
  step('reading-order');

  /** A refusal from an outside system parks as the step's type, unless it is a configuration problem (see refusalType) met by a history that has the patch. */
  const orPark = <T>(type: ExceptionType, call: () => Promise<T>) => parking.orPark((f) => parkedAs(f, type), call);

  function parkedAs(f: ApplicationFailure, type: ExceptionType): ExceptionType {
    const as = refusalType(f, type);
    return as === type || patched(UNMAPPED_STORE_PARKS_FOR_MAPPING) ? as : type;
  }

  const result = (outcome: ClickAndCollectResult['outcome'], reason?: string): ClickAndCollectResult => ({
    outcome,
    webOrderId: input.webOrderId,
    storeId: status.storeId,
    sitooOrderId: status.sitooOrderId,
    erpOrderNumber: status.erpOrderNumber,
    reason,
  });

  return parking.run(run);

  async function run(): Promise<ClickAndCollectResult> {
    let order = await readOrder();
    if (order.cancelledAt || (webCancelled && !patched(DECIDE_FROM_READ_BACK_STATE)))
      return done('cancelled', 'cancelled on the web before the store was asked');
    const fo = pickupOf(order);
    if (!fo) return done('not-pickup', 'no local pickup in this order');
    const lines = pricedLines(order, fo);
    let store = await pickupStore(fo);

    step('checking-stock');
    for (;;) {
      const check = await orPark('ecommerce-rejected', () =>
        act.checkPickupStock({ storeId: store.storeId, lines, whenShort: input.whenShort }),
      );
      if (check.shortfalls.length === 0) break;
      const suggestion = check.suggestion
        ? ` ${check.suggestion.name} (${check.suggestion.storeId}) in the same region has it all.`
        : '';
      const r = await park(
        'bopis-stock-short',
        `Store ${store.storeId} cannot cover order ${order.name}: ${check.shortfalls.map((s) => `${s.sku} wants ${s.wanted}, ${s.free} free`).join('; ')}.${suggestion}`,
        {
          webOrderId: input.webOrderId,
          storeId: store.storeId,
          shortfalls: check.shortfalls,
          suggestion: check.suggestion,
        },
        ['retry', 'use-store', 'cancel-order'],
      );
      if (r.action === 'cancel-order')
        return cancelEverything(
          'INVENTORY',
          `store ${store.storeId} was short and the order was cancelled by an operator`,
        );
      if (r.action === 'use-store') store = await pickupStore(fo, r.storeId);
    }

    let payment: Exclude<PickupPayment, 'undecided'> | undefined;
    if (patched(DECIDE_FROM_READ_BACK_STATE)) {
      const decided = await decidePayment(order);
      if ('cancelled' in decided) return decided.cancelled;
      ({ order, payment } = decided);
    }

    step('creating-pickup-order');
    const expiryMs = durationMs('pickupExpiry', input.pickupExpiry);
    const deadline = Date.now() + expiryMs;
    status.deadline = new Date(deadline).toISOString();
    // Sitoo refusing the pickup order is the web team's to sort out with the store (or cancel).
    let cancelRequested = false;
    const sitooOrderId = await untilAccepted(
      async () =>
        cancelRequested
          ? undefined
          : act.ensurePickupOrder({
              webOrder: order,
              storeId: store.storeId,
              lines,
              reservedUntil: Math.floor(deadline / 1000),
              vatPercent: input.vatPercent,
              ...(payment ? { payment } : {}),
            }),
      async (f) =>
        (cancelRequested =
          (
            await park(parkedAs(f, 'bopis-pickup-rejected'), f.message, { failureType: f.type }, [
              'retry',
              'cancel-order',
            ])
          ).action === 'cancel-order'),
    );
    if (sitooOrderId === undefined)
      return cancelEverything(
        'OTHER',
        `Sitoo refused the pickup order at ${store.storeId} and an operator cancelled the order`,
      );
    status.sitooOrderId = sitooOrderId;
    reservedSkus = lines.map((l) => l.sku);
    await act.refreshWebStock({ storeId: store.storeId, skus: lines.map((l) => l.sku) });

    step('awaiting-store');
    for (;;) {
      // Replaying an older history this is false until the replay catches up; then it holds.
      const decide = patched(DECIDE_FROM_READ_BACK_STATE);
      const woken = await condition(
        () => updates.length > 0 || (decide ? cancelNotices.length > 0 : webCancelled),
        deadline - Date.now(),
      );
      if (decide) {
        const ended = await decideOnWake(woken, order, fo, store);
        if (ended) return ended;
        continue;
      }
      if (!woken) return cancelEverything('OTHER', `not collected by ${status.deadline}`, 'expired');
      if (webCancelled) return cancelEverything('CUSTOMER', 'cancelled on the web before pickup', 'cancelled', false);
      const update = updates.shift()!;
      if (update.kind === 'ready-for-pickup' || update.kind === 'pickup-rejected') {
        if ((await mirrorStoreStep(update.kind, order, fo, store)) === 'cancel-order')
          return cancelEverything('STAFF', REJECTED_AND_CANCELLED);
      } else if (update.kind === 'cancelled') {
        return cancelEverything('STAFF', 'cancelled in the store', 'cancelled', true, false);
      } else {
        return collected(order, fo, store, lines);
      }
    }
  }

  /**
   * Who takes the money (see pickupPayment). An order neither paid nor pay-in-store parks for
   * finance before the store is asked: `retry` reads the order again (captured by now: created
   * paid), `accept` has the till take the payment (say why: the hold was voided, ...), and
   * `cancel-order` cancels and refunds it.
   */
  async function decidePayment(
    order: WebOrder,
  ): Promise<{ order: WebOrder; payment: Exclude<PickupPayment, 'undecided'> } | { cancelled: ClickAndCollectResult }> {
    for (;;) {
      const payment = pickupPayment(order.financialStatus);
      if (payment !== 'undecided') return { order, payment };
      const r = await park(
        'payment-not-confirmed',
        `Web order ${order.name} is ${order.financialStatus}: neither paid online nor to be paid in store`,
        { webOrderId: input.webOrderId, storeId: status.storeId, financialStatus: order.financialStatus },
        ['retry', 'accept', 'cancel-order'],
      );
      if (r.action === 'cancel-order')
        return {
          cancelled: await cancelEverything('OTHER', `payment ${order.financialStatus}; cancelled by an operator`),
        };
      if (r.action === 'accept') return { order, payment: 'pay-in-store' };
      order = await readOrder();
      if (order.cancelledAt) return { cancelled: done('cancelled', 'cancelled on the web before the store was asked') };
    }
  }

  /**
   * One wake-up while the store has the order: Sitoo's order says what happened in the store, and
   * beats anything the web says (goods handed over stay handed over). Then a cancel notice is
   * checked against Shopify, the deadline applies, and the store's pickup steps are mirrored.
   */
  async function decideOnWake(
    woken: boolean,
    order: WebOrder,
    fo: WebFulfillmentOrder,
    store: StoreLocation,
  ): Promise<ClickAndCollectResult | undefined> {
    const pickup = await readPickup();
    if (pickup.orderStateId === OrderState.Closed) return collectedInStore(pickup, order, fo, store);
    if (pickup.orderStateId === OrderState.Cancelled)
      return cancelPickup('STAFF', 'cancelled in the store', 'cancelled', true, order, fo, store);
    if (cancelNotices.length) {
      const web = await readOrder();
      if (web.cancelledAt)
        return cancelPickup('CUSTOMER', 'cancelled on the web before pickup', 'cancelled', false, order, fo, store);
    }
    if (!woken) return cancelPickup('OTHER', `not collected by ${status.deadline}`, 'expired', true, order, fo, store);
    for (const update of updates.splice(0)) {
      // Collected and cancelled are read from Sitoo above; their events only woke us.
      if (update.kind !== 'ready-for-pickup' && update.kind !== 'pickup-rejected') continue;
      if ((await mirrorStoreStep(update.kind, order, fo, store)) === 'cancel-order')
        return cancelPickup('STAFF', REJECTED_AND_CANCELLED, 'cancelled', true, order, fo, store);
    }
    return undefined;
  }

  /**
   * A store step mirrored to the web order: ready for pickup shows on the web; a rejected pickup
   * parks for the web team, who wait for the store again (`retry`) or cancel the order.
   */
  async function mirrorStoreStep(
    kind: 'ready-for-pickup' | 'pickup-rejected',
    order: WebOrder,
    fo: WebFulfillmentOrder,
    store: StoreLocation,
  ): Promise<'cancel-order' | undefined> {
    if (kind === 'ready-for-pickup') {
      await orPark('ecommerce-rejected', () => act.markReadyOnWeb({ fulfillmentOrderId: fo.id }));
      step('ready-for-pickup');
      return undefined;
    }
    const r = await park(
      'bopis-pickup-rejected',
      `Store ${store.storeId} rejected the pickup of order ${order.name}`,
      { webOrderId: input.webOrderId, storeId: store.storeId, sitooOrderId: status.sitooOrderId },
      ['retry', 'cancel-order'],
    );
    return r.action === 'cancel-order' ? 'cancel-order' : undefined;
  }

  async function readOrder(): Promise<WebOrder> {
    for (;;) {
      // Only notices that were in before the read began are answered by it.
      const asked = cancelNotices.length;
      const read = await orPark('ecommerce-rejected', () => act.readWebOrder({ webOrderId: input.webOrderId }));
      if (read) {
        const order = webOrderWithCents(read);
        answerCancelNotices(order, order.cancelledAt ? cancelNotices.length : asked);
        return order;
      }
      await park('order-not-found', `The web shop has no order ${input.webOrderId}`, { webOrderId: input.webOrderId }, [
        'retry',
      ]);
    }
  }

  function answerCancelNotices(order: WebOrder, count: number): void {
    if (count === 0) return;
    const at = new Date().toISOString();
    status.webCancelChecks ??= [];
    for (const n of cancelNotices.splice(0, count))
      status.webCancelChecks.push({ webhookId: n.webhookId, at, cancelled: order.cancelledAt !== null });
    if (!order.cancelledAt)
      log.warn('cancel notice ignored: Shopify does not show the order cancelled', { webOrderId: input.webOrderId });
  }

  async function readPickup(): Promise<SaleOrder> {
    for (;;) {
      const sitooOrderId = status.sitooOrderId!;
      const pickup = await orPark('bopis-pickup-rejected', () => act.readPickupOrder({ sitooOrderId }));
      if (pickup) return saleOrderWithCents(pickup);
      await park(
        'order-not-found',
        `Sitoo has no pickup order ${sitooOrderId}`,
        { webOrderId: input.webOrderId, sitooOrderId },
        ['retry'],
      );
    }
  }

  async function pickupStore(fo: WebFulfillmentOrder, storeId?: string): Promise<StoreLocation> {
    for (;;) {
      const store = await act.storeForPickup({ webLocationId: fo.locationId, storeId });
      if (store) {
        status.storeId = store.storeId;
        parking.atStore(store.storeId, store.name);
        return store;
      }
      await park(
        'unmapped-warehouse',
        `Pickup location ${storeId ?? fo.locationId} is not a mapped store`,
        { webLocationId: fo.locationId, storeId },
        ['retry'],
      );
      storeId = undefined;
    }
  }

  /** Before the order was read back: the web's lines, booked as soon as the store said collected. */
  async function collected(
    order: WebOrder,
    fo: WebFulfillmentOrder,
    store: StoreLocation,
    lines: PricedLine[],
  ): Promise<ClickAndCollectResult> {
    step('booking-collection');
    await orPark('ecommerce-rejected', () => act.fulfilOnWeb({ fulfillmentOrderId: fo.id }));
    const erp = await bookCollection(order, store, lines);
    status.erpOrderNumber = erp.number;
    return done('collected');
  }

  /**
   * The store handed the goods over (Sitoo closed the order). Sitoo's order as it is now decides
   * the ERP sale: its lines at the till's prices, booked only when it is paid. If the customer
   * cancelled online meanwhile, the sale still stands in the store; it books by itself only when
   * the web refunded nothing and the till (or the web payment) covers it, otherwise finance decides.
   */
  async function collectedInStore(
    pickup: SaleOrder,
    order: WebOrder,
    fo: WebFulfillmentOrder,
    store: StoreLocation,
  ): Promise<ClickAndCollectResult> {
    step('booking-collection');
    const web = await readOrder();
    if (web.cancelledAt) {
      await act.refreshWebStock({ storeId: store.storeId, skus: reservedSkus });
      return handedOverAfterWebCancel(pickup, web, store);
    }
    await orPark('ecommerce-rejected', () => act.fulfilOnWeb({ fulfillmentOrderId: fo.id }));
    // Shopify lowers on_hand for the fulfilled units itself; write the store's level again from Sitoo.
    await act.refreshWebStock({ storeId: store.storeId, skus: reservedSkus });
    for (;;) {
      const money = collectionPayment(pickup);
      if (money.paid) return book(pickup, order, store);
      const r = await park(
        'payment-not-confirmed',
        `Order ${order.name} was handed over in store ${store.storeId} unpaid: Sitoo payment state ${money.paymentStateId}, ${formatCents(money.paidCents)} paid of ${formatCents(money.dueCents)}`,
        {
          webOrderId: input.webOrderId,
          storeId: store.storeId,
          sitooOrderId: pickup.orderId,
          paymentStateId: money.paymentStateId,
          paid: formatCents(money.paidCents),
          due: formatCents(money.dueCents),
        },
        ['retry', 'skip'],
      );
      if (r.action === 'skip')
        return done('collected', `handed over unpaid; not booked in the ERP${r.reason ? `: ${r.reason}` : ''}`);
      pickup = await readPickup();
    }
  }

  async function handedOverAfterWebCancel(
    pickup: SaleOrder,
    web: WebOrder,
    store: StoreLocation,
  ): Promise<ClickAndCollectResult> {
    for (;;) {
      const money = collectionPayment(pickup);
      if (money.paid && web.totalRefundedCents === 0) return book(pickup, web, store);
      const r = await park(
        'bopis-collected-after-cancel',
        `Order ${web.name} was handed over in store ${store.storeId} after it was cancelled on the web (refunded ${formatCents(web.totalRefundedCents)}); the till shows ${formatCents(money.paidCents)} of ${formatCents(money.dueCents)} paid`,
        {
          webOrderId: input.webOrderId,
          storeId: store.storeId,
          sitooOrderId: pickup.orderId,
          cancelledAt: web.cancelledAt,
          webRefunded: formatCents(web.totalRefundedCents),
          tillPaid: formatCents(money.paidCents),
          due: formatCents(money.dueCents),
        },
        ['retry', 'accept', 'skip'],
      );
      if (r.action === 'accept') return book(pickup, web, store);
      if (r.action === 'skip')
        return done(
          'collected',
          `handed over after a web cancel; not booked in the ERP${r.reason ? `: ${r.reason}` : ''}`,
        );
      pickup = await readPickup();
      web = await readOrder();
    }
  }

  /** The ERP sale of a collected order, dated the store's business day. */
  function bookCollection(order: WebOrder, store: StoreLocation, lines: PricedLine[]) {
    return orPark('erp-rejected', () =>
      act.bookCollectedOrder({
        webOrderId: input.webOrderId,
        storeId: store.storeId,
        currencyCode: order.currencyCode,
        lines,
        collectedOn: businessDate(Math.floor(Date.now() / 1000), store),
      }),
    );
  }

  async function book(pickup: SaleOrder, order: WebOrder, store: StoreLocation): Promise<ClickAndCollectResult> {
    const lines = soldLines(pickup);
    const erp = await bookCollection(order, store, lines);
    status.erpOrderNumber = erp.number;
    if (erp.lateTwinPossible && patched('erp-exactly-once')) {
      // A create an earlier attempt sent may still land in the ERP: once it no longer can, take it back.
      step('sweeping-erp-twins');
      await sleep(erpLateCommitWindowMs(input));
      await orPark('erp-rejected', () =>
        act.sweepCollectedOrderTwins({ webOrderId: input.webOrderId, storeId: store.storeId }),
      );
    }
    return done('collected');
  }

  /**
   * Undo everything that was set up: the Sitoo order (and its reservation), the web order (with a
   * refund). The ERP was never told of a sale, so it has nothing to undo.
   */
  async function cancelEverything(
    reason: 'CUSTOMER' | 'INVENTORY' | 'OTHER' | 'STAFF',
    why: string,
    outcome: 'cancelled' | 'expired' = 'cancelled',
    cancelWeb = true,
    cancelSitoo = true,
  ): Promise<ClickAndCollectResult> {
    step('cancelling');
    if (cancelSitoo && status.sitooOrderId !== undefined) {
      const sitooOrderId = status.sitooOrderId;
      await orPark('bopis-pickup-rejected', () => act.cancelPickupOrder({ sitooOrderId }));
    }
    if (cancelWeb)
      await orPark('ecommerce-rejected', () => act.cancelWebOrder({ webOrderId: input.webOrderId, reason, note: why }));
    if (status.storeId && reservedSkus.length)
      await act.refreshWebStock({ storeId: status.storeId, skus: reservedSkus });
    return done(outcome, why);
  }

  /**
   * cancelEverything once the pickup order exists: if the store handed the goods over before the
   * cancel reached Sitoo, the order stays closed and the collection path takes over.
   */
  async function cancelPickup(
    reason: 'CUSTOMER' | 'OTHER' | 'STAFF',
    why: string,
    outcome: 'cancelled' | 'expired',
    cancelWeb: boolean,
    order: WebOrder,
    fo: WebFulfillmentOrder,
    store: StoreLocation,
  ): Promise<ClickAndCollectResult> {
    step('cancelling');
    const sitooOrderId = status.sitooOrderId!;
    // `skip`: the store cancels the Sitoo order by hand; the web side is cancelled regardless.
    let skipped = false;
    const sitoo = await untilAccepted(
      async () => (skipped ? 'skipped' : act.cancelPickupUnlessCollected({ sitooOrderId })),
      async (f) =>
        (skipped =
          (
            await park(
              'bopis-pickup-rejected',
              `Sitoo refused to cancel pickup order ${sitooOrderId}: ${f.message}`,
              { failureType: f.type, sitooOrderId },
              ['retry', 'skip'],
            )
          ).action === 'skip'),
    );
    if (sitoo === 'collected') return collectedInStore(await readPickup(), order, fo, store);
    return cancelEverything(reason, why, outcome, cancelWeb, false);
  }

  function done(outcome: ClickAndCollectResult['outcome'], reason?: string): ClickAndCollectResult {
    step(outcome === 'not-pickup' ? 'not-pickup' : outcome);
    return result(outcome, reason);
  }
}

function pricedLines(order: WebOrder, fo: WebFulfillmentOrder): PricedLine[] {
  return pickupLines(fo).map((l) => {
    const line = order.lines.find((o) => o.sku === l.sku);
    // What the customer paid for these units: the rounded unit price x quantity can be a cent off.
    const paid =
      line?.paidCents !== undefined && line.quantity > 0
        ? { grossCents: unitsShare(line.paidCents, line.quantity, 0, l.quantity) }
        : {};
    return { ...l, unitPriceCents: line?.unitPriceCents ?? 0, ...paid };
  });
}
