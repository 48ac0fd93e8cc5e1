import { allHandlersFinished, ApplicationFailure, condition, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { ClickAndCollectActivities, PricedLine } from '../activities/click-and-collect-activities';
import { pickupLines } from '../domain/click-and-collect';
import { parseDuration } from '../domain/duration';
import type { ExceptionType, Resolution, ResolutionAction } from '../domain/exceptions';
import type { StoreLocation } from '../domain/mapping';
import { pickupOf, type WebFulfillmentOrder, type WebOrder } from '../domain/web-order';
import {
  collectStatusQuery, storePickupUpdateSignal, webOrderCancelledSignal,
  type ClickAndCollectInput, type CollectResult, type CollectStatus, type CollectStep, type StorePickupUpdate,
} from './click-and-collect-contract';
import { installParking, untilAccepted } from './parking';
import { SA } from './search-attributes';

const act = proxyActivities<ClickAndCollectActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

/**
 * One web order collected in a store, from the order webhook to the customer walking out with it
 * (or the order expiring, or being cancelled on either side). The store's steps arrive from Sitoo
 * events, relayed by the pickup order's Sitoo-side workflow; each step is mirrored to the web
 * order, and only a collected order becomes an ERP sale, at the store's location.
 */
export async function clickAndCollectWorkflow(input: ClickAndCollectInput): Promise<CollectResult> {
  const status: CollectStatus = { webOrderId: input.webOrderId, step: 'reading-order', steps: [], resolutions: [] };
  const parking = installParking();
  const updates: StorePickupUpdate[] = [];
  const seen = new Set<string>();
  let webCancelled = false;
  /** What the pickup order reserves, to recompute those web levels when it goes away. */
  let reservedSkus: string[] = [];

  setHandler(collectStatusQuery, () => ({ ...status, exception: parking.current(), resolutions: parking.resolutions }));
  setHandler(storePickupUpdateSignal, (u) => {
    if (seen.has(u.key)) return;
    seen.add(u.key);
    updates.push(u);
  });
  setHandler(webOrderCancelledSignal, () => {
    webCancelled = true;
  });

  const step = (s: CollectStep) => {
    status.step = s;
    status.steps.push({ step: s, at: new Date().toISOString() });
  };
  step('reading-order');

  async function park(type: ExceptionType, message: string, details: Record<string, unknown>, allowed: ResolutionAction[]): Promise<Resolution> {
    const was = status.step;
    step('parked');
    const r = await parking.park(type, message, details, allowed);
    step(was);
    return r;
  }

  /** A permanent refusal from an outside system parks until retried; anything else retries. */
  function orPark<T>(type: ExceptionType, call: () => Promise<T>): Promise<T> {
    return untilAccepted(call, (f) => park(type, f.message, { failureType: f.type }, ['retry']));
  }

  const result = (outcome: CollectResult['outcome'], reason?: string): CollectResult => ({
    outcome, webOrderId: input.webOrderId, storeId: status.storeId, sitooOrderId: status.sitooOrderId, erpOrderNumber: status.erpOrderNumber, reason,
  });

  const outcome = await run();
  await condition(allHandlersFinished);
  return outcome;

  async function run(): Promise<CollectResult> {
    const order = await readOrder();
    if (order.cancelledAt || webCancelled) return done('cancelled', 'cancelled on the web before the store was asked');
    const fo = pickupOf(order);
    if (!fo) return done('not-pickup', 'no local pickup in this order');
    const lines = pricedLines(order, fo);
    let store = await pickupStore(fo);

    step('checking-stock');
    for (;;) {
      const check = await orPark('ecommerce-rejected', () => act.checkPickupStock({ storeId: store.storeId, lines, whenShort: input.whenShort }));
      if (check.shortfalls.length === 0) break;
      const suggestion = check.suggestion ? ` ${check.suggestion.name} (${check.suggestion.storeId}) in the same region has it all.` : '';
      const r = await park('bopis-stock-short', `Store ${store.storeId} cannot cover order ${order.name}: ${check.shortfalls.map((s) => `${s.sku} wants ${s.wanted}, ${s.free} free`).join('; ')}.${suggestion}`,
        { webOrderId: input.webOrderId, storeId: store.storeId, shortfalls: check.shortfalls, suggestion: check.suggestion }, ['retry', 'use-store', 'cancel-order']);
      if (r.action === 'cancel-order') return cancelEverything('INVENTORY', `store ${store.storeId} was short and the order was cancelled by an operator`);
      if (r.action === 'use-store') store = await pickupStore(fo, r.storeId);
    }

    step('creating-pickup-order');
    const expiryMs = parseDuration(input.pickupExpiry);
    if (expiryMs === undefined) throw ApplicationFailure.nonRetryable(`pickupExpiry ${input.pickupExpiry} is not a duration`);
    const deadline = Date.now() + expiryMs;
    status.deadline = new Date(deadline).toISOString();
    // Sitoo refusing the pickup order is the web team's to sort out with the store.
    status.sitooOrderId = await orPark('bopis-pickup-rejected', () =>
      act.ensurePickupOrder({ webOrder: order, storeId: store.storeId, lines, reservedUntil: Math.floor(deadline / 1000), vatPercent: input.vatPercent }));
    reservedSkus = lines.map((l) => l.sku);
    await act.refreshWebStock({ storeId: store.storeId, skus: lines.map((l) => l.sku) });

    step('awaiting-store');
    for (;;) {
      const woken = await condition(() => updates.length > 0 || webCancelled, deadline - Date.now());
      if (!woken) return cancelEverything('OTHER', `not collected by ${status.deadline}`, 'expired');
      if (webCancelled) return cancelEverything('CUSTOMER', 'cancelled on the web before pickup', 'cancelled', false);
      const update = updates.shift()!;
      if (update.kind === 'ready-for-pickup') {
        await orPark('ecommerce-rejected', () => act.markReadyOnWeb({ fulfillmentOrderId: fo.id }));
        step('ready-for-pickup');
      } else if (update.kind === 'pickup-rejected') {
        const r = await park('bopis-pickup-rejected', `Store ${store.storeId} rejected the pickup of order ${order.name}`, { webOrderId: input.webOrderId, storeId: store.storeId, sitooOrderId: status.sitooOrderId }, ['retry', 'cancel-order']);
        if (r.action === 'cancel-order') return cancelEverything('STAFF', 'the store rejected the pickup and an operator cancelled the order');
      } else if (update.kind === 'cancelled') {
        return cancelEverything('STAFF', 'cancelled in the store', 'cancelled', true, false);
      } else {
        return collected(order, fo, store, lines);
      }
    }
  }

  async function readOrder(): Promise<WebOrder> {
    for (;;) {
      const order = await orPark('ecommerce-rejected', () => act.readWebOrder({ webOrderId: input.webOrderId }));
      if (order) return order;
      await park('order-not-found', `The web shop has no order ${input.webOrderId}`, { webOrderId: input.webOrderId }, ['retry']);
    }
  }

  async function pickupStore(fo: WebFulfillmentOrder, storeId?: string): Promise<StoreLocation> {
    for (;;) {
      const store = await act.storeForPickup({ webLocationId: fo.locationId, storeId });
      if (store) {
        status.storeId = store.storeId;
        upsertSearchAttributes([{ key: SA.storeId, value: store.storeId }]);
        return store;
      }
      await park('unmapped-warehouse', `Pickup location ${storeId ?? fo.locationId} is not a mapped store`, { webLocationId: fo.locationId, storeId }, ['retry']);
      storeId = undefined;
    }
  }

  async function collected(order: WebOrder, fo: WebFulfillmentOrder, store: StoreLocation, lines: PricedLine[]): Promise<CollectResult> {
    step('booking-collection');
    await orPark('ecommerce-rejected', () => act.fulfilOnWeb({ fulfillmentOrderId: fo.id }));
    const erp = await orPark('erp-rejected', () =>
      act.bookCollectedOrder({ webOrderId: input.webOrderId, storeId: store.storeId, currencyCode: order.currencyCode, lines, collectedOn: new Date().toISOString().slice(0, 10) }));
    status.erpOrderNumber = erp.number;
    return done('collected');
  }

  /**
   * Undo everything that was set up: the Sitoo order (and its reservation), the web order (with a
   * refund). The ERP was never told of a sale, so it has nothing to undo.
   */
  async function cancelEverything(reason: 'CUSTOMER' | 'INVENTORY' | 'OTHER' | 'STAFF', why: string, outcome: 'cancelled' | 'expired' = 'cancelled', cancelWeb = true, cancelSitoo = true): Promise<CollectResult> {
    step('cancelling');
    if (cancelSitoo && status.sitooOrderId !== undefined) {
      const sitooOrderId = status.sitooOrderId;
      await orPark('bopis-pickup-rejected', () => act.cancelPickupOrder({ sitooOrderId }));
    }
    if (cancelWeb) await orPark('ecommerce-rejected', () => act.cancelWebOrder({ webOrderId: input.webOrderId, reason, note: why }));
    if (status.storeId && reservedSkus.length) await act.refreshWebStock({ storeId: status.storeId, skus: reservedSkus });
    return done(outcome, why);
  }

  function done(outcome: CollectResult['outcome'], reason?: string): CollectResult {
    step(outcome === 'not-pickup' ? 'not-pickup' : outcome);
    return result(outcome, reason);
  }
}

function pricedLines(order: WebOrder, fo: WebFulfillmentOrder): PricedLine[] {
  return pickupLines(fo).map((l) => ({ ...l, unitPrice: order.lines.find((o) => o.sku === l.sku)?.unitPrice ?? '0.00' }));
}
