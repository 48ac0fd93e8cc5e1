import { allHandlersFinished, condition, getExternalWorkflowHandle, log, patched, proxyActivities, setHandler, setWorkflowOptions, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { InventoryActivities } from '../activities/inventory-activities';
import type { SaleActivities } from '../activities/sale-activities';
import { durationMs, InvalidDurationError } from '../domain/duration';
import type { ExceptionType, ResolutionAction } from '../domain/exceptions';
import { clickAndCollectWorkflowId, returnInStoreWorkflowId, sitooOrderErpDocumentNumber, sitooOrderReferenceUri } from '../domain/ids';
import type { StoreLocation } from '../domain/mapping';
import { OrderState, paymentVerdict, quantitiesBySku, type SaleOrder } from '../domain/sale';
import { isReturn, webOrderIdOf } from '../domain/returns';
import { storePickupUpdateSignal, type StorePickupUpdate } from './click-and-collect-contract';
import { installParking, untilAccepted } from './parking';
import { returnInStoreWorkflow } from './return-in-store';
import { sitooOrderUpdatedSignal, statusQuery, type SaleResult, type SaleStatus, type SaleWorkflowInput } from './sale-contract';
import { SA } from './search-attributes';
import { startOnce } from './start-once';
import { TASK_QUEUES } from './task-queues';

// Technical failures retry for as long as it takes (an outage must not lose a sale); business
// refusals arrive as non-retryable failures and park.
const retry = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' };
// A heartbeat timeout lets Temporal's cancellation (a timed-out attempt, a closed workflow) reach
// an ERP call while it runs (the worker heartbeats for it), so no attempt outlives its retry.
const sale = proxyActivities<SaleActivities>({ startToCloseTimeout: '30s', heartbeatTimeout: '10s', retry });
const inventory = proxyActivities<InventoryActivities>({ taskQueue: TASK_QUEUES.inventory, startToCloseTimeout: '15s', retry });

/** Thrown inside the workflow when an operator skips the sale; caught at the top. */
class SaleSkipped extends Error {}

const RETRY_OR_SKIP: ResolutionAction[] = ['retry', 'skip'];
const STOCK_FOLLOWS_WAREHOUSE_TRANSACTIONS = 'stock-follows-warehouse-transactions';
const WEB_ORDERS_HAVE_THEIR_OWN_FLOWS = 'web-orders-have-their-own-flows';
/** Scoped ERP keys within the store's customer, twin sweeps, and a StoreId on unmapped warehouses. */
const ERP_EXACTLY_ONCE = 'erp-exactly-once';
const DEFAULT_LATE_COMMIT_WINDOW = '20m';

setWorkflowOptions({ failureExceptionTypes: [InvalidDurationError] }, saleWorkflow);
export async function saleWorkflow(input: SaleWorkflowInput): Promise<SaleResult> {
  const status: SaleStatus = { orderId: input.orderId, step: 'reading-order', webStock: [], resolutions: [] };
  // Asked once, where the first of its steps comes, so a history recorded before it replays unchanged.
  let erpExactlyOnce: boolean | undefined;
  const exactlyOnce = () => (erpExactlyOnce ??= patched(ERP_EXACTLY_ONCE));
  const parking = installParking();
  const seenEvents = new Set<string>();
  let orderChanged = false;
  /** Pickup steps the store took (they change no order state), to relay to click & collect. */
  const storeSteps: StorePickupUpdate[] = [];

  setHandler(statusQuery, () => ({ ...status, exception: parking.current(), resolutions: parking.resolutions }));
  setHandler(sitooOrderUpdatedSignal, (update) => {
    if (seenEvents.has(update.eventId)) return; // Sitoo delivers at least once
    seenEvents.add(update.eventId);
    orderChanged = true;
    const kind = update.orderEventType;
    if (kind === 'ready-for-pickup' || kind === 'pickup-rejected') storeSteps.push({ sitooOrderId: input.orderId, key: update.eventId, kind });
  });
  upsertSearchAttributes([{ key: SA.sitooOrderId, value: String(input.orderId) }]);

  async function parkOrSkip(type: ExceptionType, message: string, details: Record<string, unknown>, allowed = RETRY_OR_SKIP) {
    const step = status.step;
    status.step = 'parked';
    const resolution = await parking.park(type, message, details, allowed);
    status.step = step;
    if (resolution.action === 'skip') throw new SaleSkipped(`${type} skipped${resolution.reason ? `: ${resolution.reason}` : ''}`);
    return resolution;
  }

  /** Runs an activity; a permanent refusal from the outside system parks until retried or skipped. */
  function orPark<T>(type: ExceptionType, call: () => Promise<T>): Promise<T> {
    return untilAccepted(call, (f) => parkOrSkip(type, f.message, { failureType: f.type, details: f.details }));
  }

  async function readOrder(): Promise<SaleOrder> {
    for (;;) {
      const order = await orPark('order-not-found', () => sale.readSitooOrder({ orderId: input.orderId, eshopId: input.eshopId }));
      if (order) return order;
      await parkOrSkip('order-not-found', `Sitoo has no order ${input.orderId} on site ${input.eshopId}`, { orderId: input.orderId });
    }
  }

  async function resolveStore(order: SaleOrder): Promise<StoreLocation> {
    let store = await sale.resolveStoreLocation({ warehouseId: order.warehouseId });
    // Found by store in the UI even before a store is known: the warehouse stands in for it.
    if (!store && exactlyOnce()) upsertSearchAttributes([{ key: SA.storeId, value: `sitoo-warehouse-${order.warehouseId ?? 'none'}` }]);
    while (!store) {
      const r = await parkOrSkip('unmapped-warehouse', `Sitoo warehouse ${order.warehouseId} is not mapped to an ERP and a web location`, { warehouseId: order.warehouseId }, ['retry', 'retry-with-mapping', 'skip']);
      store = r.mapping ? { ...r.mapping, name: r.mapping.storeId, sitooWarehouseId: order.warehouseId ?? -1 } : await sale.resolveStoreLocation({ warehouseId: order.warehouseId });
    }
    upsertSearchAttributes([{ key: SA.storeId, value: store.storeId }]);
    status.storeId = store.storeId;
    return store;
  }

  async function decrementWebStock(order: SaleOrder, store: StoreLocation): Promise<void> {
    const quantities = [...quantitiesBySku(order.lines)];
    const skus = quantities.map(([sku]) => sku);
    const lookUp = () => orPark('ecommerce-rejected', () => inventory.findWebInventoryItems({ skus }));
    let items = await lookUp();
    for (let unknown = skus.filter((s) => !items[s]); unknown.length; unknown = skus.filter((s) => !items[s])) {
      await parkOrSkip('unknown-sku', `The web shop does not know SKU ${unknown.join(', ')}`, { skus: unknown, system: 'e-commerce' });
      items = await lookUp();
    }
    const reference = sitooOrderReferenceUri(input.accountId, input.orderId);
    for (const [sku, quantity] of quantities) {
      const level = { inventoryItemId: items[sku]!, locationId: store.webLocationId };
      // Compare-and-set on the value read: a concurrent change makes it stale, and we re-read.
      for (let attempt = 1; ; attempt++) {
        const available = await orPark('ecommerce-rejected', () => inventory.readWebStock(level));
        if (available === null) {
          await parkOrSkip('unknown-sku', `SKU ${sku} is not stocked at web location ${store.webLocationId}`, { sku, locationId: store.webLocationId, system: 'e-commerce' });
          continue;
        }
        const target = Math.max(0, available - quantity);
        const idempotencyKey = `${workflowInfo().workflowId}:${sku}:${attempt}`;
        const outcome = await orPark('ecommerce-rejected', () => inventory.setWebStock({ ...level, quantity: target, changeFromQuantity: available, idempotencyKey, referenceDocumentUri: reference }));
        if (outcome === 'applied') {
          status.webStock.push({ sku, locationId: store.webLocationId, from: available, to: target });
          break;
        }
      }
    }
  }

  /** No ERP order before the payment is confirmed: that is how ghost orders are avoided. */
  async function awaitPayment(order: SaleOrder): Promise<SaleOrder> {
    const timeoutMs = durationMs('paymentConfirmationTimeout', input.paymentConfirmationTimeout);
    let deadline = Date.now() + timeoutMs;
    for (;;) {
      status.paymentState = order.paymentStateId;
      const verdict = paymentVerdict(order);
      if (verdict === 'confirmed') return order;
      if (verdict === 'pending' && Date.now() < deadline) {
        status.paymentDeadline = new Date(deadline).toISOString();
        // Woken by an update event or by the deadline: either way Sitoo's current order decides,
        // so a lost or late event cannot park a sale that was in fact paid.
        await condition(() => orderChanged, deadline - Date.now());
        orderChanged = false;
        order = await readOrder();
        continue;
      }
      const message = verdict === 'refused' ? `Sitoo reports payment state ${order.paymentStateId} (cancelled or failed)` : `Payment not confirmed within ${input.paymentConfirmationTimeout}`;
      await parkOrSkip('payment-not-confirmed', message, { paymentStateId: order.paymentStateId, deadline: new Date(deadline).toISOString() });
      order = await readOrder();
      deadline = Date.now() + timeoutMs;
    }
  }

  async function bookInErp(order: SaleOrder, store: StoreLocation): Promise<void> {
    const skus = [...quantitiesBySku(order.lines).keys()].filter((s) => s !== '');
    const unknownItems = () => orPark('erp-rejected', () => sale.findUnknownErpItems({ skus }));
    for (let unknown = await unknownItems(); unknown.length; unknown = await unknownItems()) {
      await parkOrSkip('unknown-sku', `The ERP does not know item ${unknown.join(', ')}`, { skus: unknown, system: 'erp' });
    }
    // The key sales booked before scoping keep their bare order id, so their replays find their orders.
    const key = exactlyOnce() ? { externalDocumentNumber: sitooOrderErpDocumentNumber(input.accountId, order.orderId), customerNumber: store.erpCustomerNumber } : {};
    status.step = 'creating-erp-order';
    const created = await orPark('erp-rejected', () => sale.createErpSalesOrder({ order, store, ...key }));
    status.erpOrder = created;
    status.erpTwinsRemoved = created.twinsRemoved;
    if (!status.erpOrder.posted) {
      status.step = 'posting-erp-order';
      status.erpOrder = await orPark('erp-rejected', () => sale.postErpSalesOrder({ orderId: order.orderId, ...key }));
    }
    if (created.lateTwinPossible && exactlyOnce()) {
      // An earlier attempt's create may still be queued in the ERP: once it can no longer commit,
      // take back whatever landed beside the posted order.
      status.step = 'sweeping-erp-twins';
      await sleep(input.erpLateCommitWindow ?? DEFAULT_LATE_COMMIT_WINDOW);
      const removed = await orPark('erp-rejected', () => sale.sweepErpSaleTwins({ orderId: order.orderId, ...key }));
      status.erpTwinsRemoved = (status.erpTwinsRemoved ?? 0) + removed;
    }
  }

  const result = (outcome: SaleResult['outcome'], reason?: string): SaleResult => ({
    outcome,
    orderId: input.orderId,
    storeId: status.storeId,
    erpOrderNumber: status.erpOrder?.number,
    webStock: status.webStock,
    reason,
  });

  let outcome: SaleResult;
  try {
    outcome = await run();
  } catch (err) {
    if (!(err instanceof SaleSkipped)) throw err;
    status.step = 'skipped';
    outcome = result('skipped', err.message);
  }
  // Let a resolve update that ended the sale answer its caller before the workflow closes.
  await condition(allHandlersFinished);
  return outcome;

  /**
   * A web pickup order's Sitoo side: the store's steps arrive here (Sitoo events name only the
   * Sitoo order), and go on to the web order's click & collect workflow until the order closes.
   */
  async function relayPickupSteps(order: SaleOrder, webOrderId: string): Promise<SaleResult> {
    status.step = 'relaying-to-click-and-collect';
    const target = getExternalWorkflowHandle(clickAndCollectWorkflowId(webOrderId));
    try {
      for (;;) {
        for (const step of storeSteps.splice(0)) await target.signal(storePickupUpdateSignal, step);
        const closed = order.orderStateId === OrderState.Closed ? 'collected' : order.orderStateId === OrderState.Cancelled ? 'cancelled' : undefined;
        if (closed) {
          await target.signal(storePickupUpdateSignal, { sitooOrderId: input.orderId, key: `state-${order.orderStateId}`, kind: closed });
          status.step = 'handed-over';
          return result('handed-over', `web order ${webOrderId}: ${closed} in the store`);
        }
        await condition(() => orderChanged);
        orderChanged = false;
        order = await readOrder();
      }
    } catch (err) {
      // A web order put into Sitoo by something other than click & collect has nobody to relay to.
      log.warn('no click & collect workflow to relay to', { webOrderId, error: String(err) });
      status.step = 'ignored';
      return result('ignored', `web order ${webOrderId} has no click & collect workflow`);
    }
  }

  async function run(): Promise<SaleResult> {
    let order = await readOrder();
    // Pickup orders and returns have their own workflows; sales started before they existed did not look.
    if (patched(WEB_ORDERS_HAVE_THEIR_OWN_FLOWS)) {
      if (isReturn(order)) {
        const id = returnInStoreWorkflowId(input.accountId, input.orderId);
        await startOnce(returnInStoreWorkflow, id, TASK_QUEUES.main, [{ accountId: input.accountId, eshopId: input.eshopId, sitooOrderId: input.orderId, ...(input.erpLateCommitWindow ? { erpLateCommitWindow: input.erpLateCommitWindow } : {}) }]);
        status.step = 'handed-over';
        return result('handed-over', `a return: ${id}`);
      }
      const webOrderId = webOrderIdOf(order);
      if (webOrderId !== undefined) return relayPickupSteps(order, webOrderId);
    }
    if (order.creditOrderId !== null || order.orderStateId === OrderState.Cancelled) {
      status.step = 'ignored';
      return result('ignored', order.creditOrderId !== null ? 'a refund, not a sale' : 'order cancelled in Sitoo');
    }
    status.step = 'resolving-location';
    const store = await resolveStore(order);
    // Web stock now follows Sitoo's warehouse transactions through the stock coalescer (one
    // absolute write for many sales). Sales started before that change still decrement here, so
    // their recorded histories replay unchanged.
    if (!patched(STOCK_FOLLOWS_WAREHOUSE_TRANSACTIONS)) {
      status.step = 'updating-web-stock';
      await decrementWebStock(order, store);
    }
    status.step = 'awaiting-payment';
    order = await awaitPayment(order);
    await bookInErp(order, store);
    status.step = 'completed';
    return result('completed');
  }
}
