import { stockSyncWorkflowId } from '../domain/ids';
import { bufferFor, webOnHand, type WarehouseLevel } from '../domain/stock';
import type { LocalStack } from '../local/stack';
import { stockStatusQuery, type StockSyncStatus } from '../workflows/stock-contract';
import type { StockDriftResult } from '../workflows/stock-contract';
import { TASK_QUEUES } from '../workflows/task-queues';
import type { PlannedStockChange, Scenario } from './scenario';

/**
 * The demo's stock side: plays the non-sale stock changes, waits for the coalescer to go quiet,
 * runs a drift check, and audits web stock against the masters (Sitoo for stores, the ERP for the
 * warehouse) and the ERP's stock adjustments against Sitoo's warehouse transactions.
 */
export interface StockPlayed {
  /** Sitoo warehouse transactions the ERP must record as stock adjustments, with the store's ERP location. */
  recorded: Array<{ transactionId: number; erpLocationCode: string }>;
  handEdits: Array<{ storeId: string; sku: string }>;
  /** Web orders left unshipped: their units must stay committed, never offered again. */
  webOrders: Array<{ orderId: string; storeId: string; sku: string; quantity: number }>;
}

export function playStockChange(
  stack: LocalStack,
  scenario: Scenario,
  change: PlannedStockChange,
  played: StockPlayed,
): void {
  const code = (warehouseId: number) => scenario.stores.find((s) => s.warehouseId === warehouseId)!.erpLocationCode;
  switch (change.kind) {
    case 'stocktake':
      played.recorded.push({
        transactionId: stack.sitoo.pos.stockTake(change.warehouseId, change.counts),
        erpLocationCode: code(change.warehouseId),
      });
      break;
    case 'adjustment':
      played.recorded.push({
        transactionId: stack.sitoo.pos.adjustStock(
          change.warehouseId,
          [{ sku: change.sku, quantity: change.quantity }],
          { reason: 'damaged' },
        ),
        erpLocationCode: code(change.warehouseId),
      });
      break;
    case 'transfer': {
      const { outId, inId } = stack.sitoo.pos.transfer(change.from, change.to, [
        { sku: change.sku, quantity: change.quantity },
      ]);
      played.recorded.push(
        { transactionId: outId, erpLocationCode: code(change.from) },
        { transactionId: inId, erpLocationCode: code(change.to) },
      );
      break;
    }
    case 'goods-receipt':
      stack.erp.state.postPurchaseReceipt(change.erpLocationCode, change.sku, change.quantity);
      break;
    case 'web-hand-edit':
      stack.ecommerce.state.setAvailable(
        change.sku,
        stack.mapping.stores.find((s) => s.storeId === change.storeId)!.webLocationId,
        change.quantity,
      );
      played.handEdits.push({ storeId: change.storeId, sku: change.sku });
      break;
    case 'web-order': {
      const price = scenario.catalogue.find((c) => c.sku === change.sku)!.unitPriceGross;
      const placed = stack.ecommerce.state.createOrder({
        lines: [{ sku: change.sku, quantity: change.quantity, price }],
        shippingLocationId: stack.mapping.stores.find((s) => s.storeId === change.storeId)!.webLocationId,
      });
      played.webOrders.push({
        orderId: placed.id,
        storeId: change.storeId,
        sku: change.sku,
        quantity: change.quantity,
      });
      break;
    }
  }
}

export async function stockStatus(stack: LocalStack): Promise<StockSyncStatus | undefined> {
  return stack.client.workflow
    .getHandle(stockSyncWorkflowId(stack.env.SITOO_ACCOUNT_ID))
    .query(stockStatusQuery)
    .catch(() => undefined);
}

/** Quiet twice in a row: nothing pending, nothing flushing. */
export async function waitForStockIdle(stack: LocalStack, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (quiet < 2 && Date.now() < deadline) {
    const s = await stockStatus(stack);
    // Held work (a refused part, retried later) would land in the middle of what comes next.
    quiet = s && s.pendingTransactions === 0 && s.pendingKeys === 0 && !s.flushing && !s.held?.length ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export function runDriftCheck(stack: LocalStack): Promise<StockDriftResult> {
  return stack.client.workflow.execute('stockDriftWorkflow', {
    workflowId: `demo-drift-check-${Date.now()}`,
    taskQueue: TASK_QUEUES.inventory,
    args: [{ settle: '2s' }],
  });
}

/**
 * Web available must be what Shopify derives from the on_hand we write: master on hand − buffer −
 * reserved (Sitoo's, for a store) − committed (Shopify's, for its own open orders).
 */
function webAvailableProblem(
  stack: LocalStack,
  scenario: Scenario,
  where: string,
  webLocationId: string,
  sku: string,
  master: WarehouseLevel,
): string | undefined {
  const category = scenario.catalogue.find((c) => c.sku === sku)?.category;
  const buffer = bufferFor(scenario.buffers, sku, category);
  const web = stack.ecommerce.state.quantities(sku, webLocationId);
  const want = webOnHand(master, buffer) - (web?.committed ?? 0);
  if (web?.available === want) return undefined;
  return `web available ${sku} at ${where}: ${web?.available}, expected ${want} (on hand ${master.onHand} − buffer ${buffer} − reserved ${master.reserved} − committed ${web?.committed ?? 0})`;
}

export function checkStock(
  stack: LocalStack,
  scenario: Scenario,
  played: StockPlayed,
  drift: StockDriftResult,
  held?: StockSyncStatus['held'],
): string[] {
  const problems: string[] = [];
  for (const store of stack.mapping.stores) {
    for (const { sku } of scenario.catalogue) {
      const master = {
        onHand: stack.sitoo.state.getStock(store.sitooWarehouseId, sku),
        reserved: stack.sitoo.state.getReserved(store.sitooWarehouseId, sku),
      };
      const problem = webAvailableProblem(stack, scenario, store.storeId, store.webLocationId, sku, master);
      if (problem) problems.push(problem);
    }
  }
  for (const w of stack.mapping.warehouses ?? []) {
    for (const { sku } of scenario.catalogue) {
      const erp = stack.erp.state.stockAt(w.erpLocationCode, sku);
      const problem = webAvailableProblem(stack, scenario, w.warehouseId, w.webLocationId, sku, {
        onHand: erp,
        reserved: 0,
      });
      if (problem) problems.push(problem);
      const mirror =
        w.sitooMirrorWarehouseId !== undefined ? stack.sitoo.state.getStock(w.sitooMirrorWarehouseId, sku) : erp;
      if (mirror !== erp) problems.push(`Sitoo mirror of ${w.warehouseId} holds ${mirror} of ${sku}, the ERP ${erp}`);
    }
  }
  const adjustments = stack.erp.state.stockAdjustments();
  for (const { transactionId, erpLocationCode } of played.recorded) {
    const mine = adjustments.filter((a) => a.externalDocumentNumber === `WT-${transactionId}`);
    if (mine.length !== 1)
      problems.push(`Sitoo transaction ${transactionId} has ${mine.length} ERP stock adjustments, expected exactly 1`);
    else if (mine[0]!.locationCode !== erpLocationCode)
      problems.push(
        `Sitoo transaction ${transactionId} adjusted ${mine[0]!.locationCode}, expected ${erpLocationCode}`,
      );
  }
  // The web orders are still unshipped: their units must still be committed, not offered again.
  for (const order of played.webOrders) {
    const store = stack.mapping.stores.find((s) => s.storeId === order.storeId)!;
    const committed = stack.ecommerce.state.quantities(order.sku, store.webLocationId)?.committed ?? 0;
    if (committed < order.quantity)
      problems.push(
        `web order ${order.orderId} (${order.quantity} × ${order.sku} from ${order.storeId}) is not committed on the web (${committed})`,
      );
  }
  for (const edit of played.handEdits) {
    const location = drift.locations.find((l) => l.locationId === edit.storeId);
    if (!location?.corrected.some((c) => c.sku === edit.sku)) {
      const webLocationId = stack.mapping.stores.find((s) => s.storeId === edit.storeId)!.webLocationId;
      const web = stack.ecommerce.state.quantities(edit.sku, webLocationId);
      const itemId = stack.ecommerce.state.itemBySku(edit.sku)?.id;
      const writes = stack.ecommerce.state.history
        .filter((h) => h.itemId === itemId && h.locationId === webLocationId)
        .slice(-3)
        .map((h) => `${h.at} ${h.name} ${h.quantityAfterChange} (${h.referenceDocumentUri})`);
      problems.push(
        `the drift check did not repair the hand edit of ${edit.sku} at ${edit.storeId} (it checked ${location?.checked ?? 0} levels there and corrected ${JSON.stringify(location?.corrected ?? [])}; the web now holds ${JSON.stringify(web)}; last writes: ${writes.join('; ')}; held stock work: ${JSON.stringify(held ?? [])})`,
      );
    }
  }
  return problems;
}
