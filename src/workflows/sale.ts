import {
  condition,
  patched,
  proxyActivities,
  setHandler,
  setWorkflowOptions,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { InventoryActivities } from '../activities/inventory-activities';
import type { SaleActivities } from '../activities/sale-activities';
import { durationMs, InvalidDurationError, erpLateCommitWindowMs } from '../domain/duration';
import { unmappedWarehouseStoreId, type ResolutionAction } from '../domain/exceptions';
import { sitooOrderErpDocumentNumber, sitooOrderReferenceUri } from '../domain/ids';
import type { StoreLocation } from '../domain/mapping';
import { paymentVerdict, quantitiesBySku, saleOrderWithCents, type SaleOrder } from '../domain/sale';
import { routeSitooOrder } from '../domain/sitoo-order-route';
import { ERP_WRITE, summarised, WEB_STOCK_CALL } from './activity-options';
import type { StorePickupUpdate } from './click-and-collect-contract';
import { installParking } from './parking';
import {
  sitooOrderUpdatedSignal,
  statusQuery,
  type SaleResult,
  type SaleStatus,
  type SaleWorkflowInput,
} from './sale-contract';
import { SA } from './search-attributes';
import { handOverReturn, relayPickupSteps } from './sitoo-order-router';

const sale = summarised(proxyActivities<SaleActivities>(ERP_WRITE), {
  readSitooOrder: ({ orderId }) => `Read Sitoo order ${orderId}`,
  resolveStoreLocation: ({ warehouseId }) => `Find the store of Sitoo warehouse ${warehouseId}`,
  findUnknownErpItems: ({ skus }) => `Check ${skus.length} item(s) in the ERP`,
  createErpSalesOrder: ({ order, store, externalDocumentNumber, customerNumber }) =>
    `Create ERP sales order ${externalDocumentNumber ?? order.orderId} (customer ${customerNumber ?? store.erpCustomerNumber})`,
  postErpSalesOrder: ({ orderId, externalDocumentNumber }) =>
    `Post ERP sales order ${externalDocumentNumber ?? orderId}`,
  sweepErpSaleTwins: ({ orderId, externalDocumentNumber }) =>
    `Take back late twins of ERP sales order ${externalDocumentNumber ?? orderId}`,
});
const inventory = proxyActivities<InventoryActivities>(WEB_STOCK_CALL);

const RETRY_OR_SKIP: ResolutionAction[] = ['retry', 'skip'];
/**
 * Web stock followed each sale inside this workflow until the stock coalescer took it over. Sales
 * started before that still decrement here on replay. The path may go once no saleWorkflow started
 * before 2026-12-01 is open (visibility: WorkflowType = 'saleWorkflow' AND ExecutionStatus =
 * 'Running' AND StartTime < '2026-12-01T00:00:00Z' finds none; a parked sale can stay open for
 * weeks, so look rather than count days), and no recorded history in test/replay needs it: then
 * `deprecatePatch`, and drop `decrementWebStock` a release later.
 */
const STOCK_FOLLOWS_WAREHOUSE_TRANSACTIONS = 'stock-follows-warehouse-transactions';
const WEB_ORDERS_HAVE_THEIR_OWN_FLOWS = 'web-orders-have-their-own-flows';
/** Scoped ERP keys within the store's customer, twin sweeps, and a StoreId on unmapped warehouses. */
const ERP_EXACTLY_ONCE = 'erp-exactly-once';

setWorkflowOptions({ failureExceptionTypes: [InvalidDurationError] }, saleWorkflow);

/**
 * The workflow of every Sitoo order (id `sale-<account>-<order>`): its first step routes the order
 * (`routeSitooOrder`); returns and pickup orders go to their own flows (`sitoo-order-router.ts`),
 * and a till sale is booked here: store, payment, ERP.
 */
export async function saleWorkflow(input: SaleWorkflowInput): Promise<SaleResult> {
  const status: SaleStatus = { orderId: input.orderId, step: 'reading-order', webStock: [], resolutions: [] };
  // Asked once, where the first of its steps comes, so a history recorded before it replays unchanged.
  let erpExactlyOnce: boolean | undefined;
  const exactlyOnce = () => (erpExactlyOnce ??= patched(ERP_EXACTLY_ONCE));
  const parking = installParking({ status, statusQuery, skipEnds: true, refusalActions: RETRY_OR_SKIP });
  const seenEvents = new Set<string>();
  let orderChanged = false;
  /** Pickup steps the store took (they change no order state), to relay to click & collect. */
  const storeSteps: StorePickupUpdate[] = [];

  setHandler(sitooOrderUpdatedSignal, (update) => {
    if (seenEvents.has(update.eventId)) return; // Sitoo delivers at least once
    seenEvents.add(update.eventId);
    orderChanged = true;
    const kind = update.orderEventType;
    if (kind === 'ready-for-pickup' || kind === 'pickup-rejected')
      storeSteps.push({ sitooOrderId: input.orderId, key: update.eventId, kind });
  });
  upsertSearchAttributes([{ key: SA.sitooOrderId, value: String(input.orderId) }]);

  const { park, orPark } = parking;

  async function readOrder(): Promise<SaleOrder> {
    for (;;) {
      const order = await orPark('order-not-found', () =>
        sale.readSitooOrder({ orderId: input.orderId, eshopId: input.eshopId }),
      );
      if (order) return saleOrderWithCents(order);
      await park(
        'order-not-found',
        `Sitoo has no order ${input.orderId} on site ${input.eshopId}`,
        { orderId: input.orderId },
        RETRY_OR_SKIP,
      );
    }
  }

  async function resolveStore(order: SaleOrder): Promise<StoreLocation> {
    let store = await sale.resolveStoreLocation({ warehouseId: order.warehouseId });
    // Found by store in the UI even before a store is known: the warehouse stands in for it.
    if (!store && exactlyOnce()) parking.atStore(unmappedWarehouseStoreId(order.warehouseId));
    while (!store) {
      const r = await park(
        'unmapped-warehouse',
        `Sitoo warehouse ${order.warehouseId} is not mapped to an ERP and a web location`,
        { warehouseId: order.warehouseId },
        ['retry', 'retry-with-mapping', 'skip'],
      );
      store = r.mapping
        ? { ...r.mapping, name: r.mapping.storeId, sitooWarehouseId: order.warehouseId ?? -1 }
        : await sale.resolveStoreLocation({ warehouseId: order.warehouseId });
    }
    parking.atStore(store.storeId, store.name);
    status.storeId = store.storeId;
    return store;
  }

  async function decrementWebStock(order: SaleOrder, store: StoreLocation): Promise<void> {
    const quantities = [...quantitiesBySku(order.lines)];
    const skus = quantities.map(([sku]) => sku);
    const lookUp = () => orPark('ecommerce-rejected', () => inventory.findWebInventoryItems({ skus }));
    let items = await lookUp();
    for (let unknown = skus.filter((s) => !items[s]); unknown.length; unknown = skus.filter((s) => !items[s])) {
      await park(
        'unknown-sku',
        `The web shop does not know SKU ${unknown.join(', ')}`,
        { skus: unknown, system: 'e-commerce' },
        RETRY_OR_SKIP,
      );
      items = await lookUp();
    }
    const reference = sitooOrderReferenceUri(input.accountId, input.orderId);
    for (const [sku, quantity] of quantities) {
      const level = { inventoryItemId: items[sku]!, locationId: store.webLocationId };
      // Compare-and-set on the value read: a concurrent change makes it stale, and we re-read.
      for (let attempt = 1; ; attempt++) {
        const available = await orPark('ecommerce-rejected', () => inventory.readWebStock(level));
        if (available === null) {
          await park(
            'unknown-sku',
            `SKU ${sku} is not stocked at web location ${store.webLocationId}`,
            { sku, locationId: store.webLocationId, system: 'e-commerce' },
            RETRY_OR_SKIP,
          );
          continue;
        }
        const target = Math.max(0, available - quantity);
        const idempotencyKey = `${workflowInfo().workflowId}:${sku}:${attempt}`;
        const outcome = await orPark('ecommerce-rejected', () =>
          inventory.setWebStock({
            ...level,
            quantity: target,
            changeFromQuantity: available,
            idempotencyKey,
            referenceDocumentUri: reference,
          }),
        );
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
      const message =
        verdict === 'refused'
          ? `Sitoo reports payment state ${order.paymentStateId} (cancelled or failed)`
          : `Payment not confirmed within ${input.paymentConfirmationTimeout}`;
      await park(
        'payment-not-confirmed',
        message,
        { paymentStateId: order.paymentStateId, deadline: new Date(deadline).toISOString() },
        RETRY_OR_SKIP,
      );
      order = await readOrder();
      deadline = Date.now() + timeoutMs;
    }
  }

  async function bookInErp(order: SaleOrder, store: StoreLocation): Promise<void> {
    const skus = [...quantitiesBySku(order.lines).keys()].filter((s) => s !== '');
    const unknownItems = () => orPark('erp-rejected', () => sale.findUnknownErpItems({ skus }));
    for (let unknown = await unknownItems(); unknown.length; unknown = await unknownItems()) {
      await park(
        'unknown-sku',
        `The ERP does not know item ${unknown.join(', ')}`,
        { skus: unknown, system: 'erp' },
        RETRY_OR_SKIP,
      );
    }
    // The key sales booked before scoping keep their bare order id, so their replays find their orders.
    const key = exactlyOnce()
      ? {
          externalDocumentNumber: sitooOrderErpDocumentNumber(input.accountId, order.orderId),
          customerNumber: store.erpCustomerNumber,
        }
      : {};
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
      await sleep(erpLateCommitWindowMs(input));
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

  return parking.run(run, (skipped) => result('skipped', skipped.message));

  async function run(): Promise<SaleResult> {
    let order = await readOrder();
    // Sales started before returns and pickup orders had their own flows did not route.
    const route = routeSitooOrder(order, patched(WEB_ORDERS_HAVE_THEIR_OWN_FLOWS));
    if (route.flow === 'return-in-store') {
      const id = await handOverReturn(input);
      status.step = 'handed-over';
      return result('handed-over', `a return: ${id}`);
    }
    if (route.flow === 'click-and-collect') {
      status.step = 'relaying-to-click-and-collect';
      const relay = {
        storeSteps,
        readOrder,
        nextChange: () => condition(() => orderChanged).then(() => void (orderChanged = false)),
      };
      const relayed = await relayPickupSteps(order, route.webOrderId, relay);
      status.step = relayed.outcome;
      return result(relayed.outcome, relayed.reason);
    }
    if (route.flow === 'none') {
      status.step = 'ignored';
      return result('ignored', route.reason);
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
