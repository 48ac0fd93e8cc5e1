import { stockSyncWorkflowId } from '../domain/ids';
import { bufferFor, webOnHand } from '../domain/stock';
import type { LocalStack } from '../local/stack';
import { stockStatusQuery, type StockSyncStatus } from '../workflows/stock-contract';
import type { StockDriftResult } from '../workflows/stock-drift';
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
}

export function playStockChange(stack: LocalStack, scenario: Scenario, change: PlannedStockChange, played: StockPlayed): void {
  const code = (warehouseId: number) => scenario.stores.find((s) => s.warehouseId === warehouseId)!.erpLocationCode;
  switch (change.kind) {
    case 'stocktake':
      played.recorded.push({ transactionId: stack.sitoo.pos.stockTake(change.warehouseId, change.counts), erpLocationCode: code(change.warehouseId) });
      break;
    case 'adjustment':
      played.recorded.push({ transactionId: stack.sitoo.pos.adjustStock(change.warehouseId, [{ sku: change.sku, quantity: change.quantity }], { reason: 'damaged' }), erpLocationCode: code(change.warehouseId) });
      break;
    case 'transfer': {
      const { outId, inId } = stack.sitoo.pos.transfer(change.from, change.to, [{ sku: change.sku, quantity: change.quantity }]);
      played.recorded.push({ transactionId: outId, erpLocationCode: code(change.from) }, { transactionId: inId, erpLocationCode: code(change.to) });
      break;
    }
    case 'goods-receipt':
      stack.erp.state.postPurchaseReceipt(change.erpLocationCode, change.sku, change.quantity);
      break;
    case 'web-hand-edit':
      stack.ecommerce.state.setAvailable(change.sku, stack.mapping.stores.find((s) => s.storeId === change.storeId)!.webLocationId, change.quantity);
      played.handEdits.push({ storeId: change.storeId, sku: change.sku });
      break;
  }
}

export async function stockStatus(stack: LocalStack): Promise<StockSyncStatus | undefined> {
  return stack.client.workflow.getHandle(stockSyncWorkflowId(stack.env.SITOO_ACCOUNT_ID)).query(stockStatusQuery).catch(() => undefined);
}

/** Quiet twice in a row: nothing pending, nothing flushing. */
export async function waitForStockIdle(stack: LocalStack, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (quiet < 2 && Date.now() < deadline) {
    const s = await stockStatus(stack);
    quiet = s && s.pendingTransactions === 0 && s.pendingKeys === 0 && !s.flushing ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export function runDriftCheck(stack: LocalStack): Promise<StockDriftResult> {
  return stack.client.workflow.execute('stockDriftWorkflow', { workflowId: `demo-drift-check-${Date.now()}`, taskQueue: TASK_QUEUES.inventory, args: [{ settle: '2s' }] });
}

export function checkStock(stack: LocalStack, scenario: Scenario, played: StockPlayed, drift: StockDriftResult): string[] {
  const problems: string[] = [];
  const category = new Map(scenario.catalogue.map((c) => [c.sku, c.category]));
  const expected = (sku: string, onHand: number) => webOnHand({ onHand, reserved: 0 }, bufferFor(scenario.buffers, sku, category.get(sku)));
  for (const store of stack.mapping.stores) {
    for (const { sku } of scenario.catalogue) {
      const want = expected(sku, stack.sitoo.state.getStock(store.sitooWarehouseId, sku) - stack.sitoo.state.getReserved(store.sitooWarehouseId, sku));
      const got = stack.ecommerce.state.getAvailable(sku, store.webLocationId);
      if (got !== want) problems.push(`web stock ${sku} at ${store.storeId}: ${got}, Sitoo says ${want}`);
    }
  }
  for (const w of stack.mapping.warehouses ?? []) {
    for (const { sku } of scenario.catalogue) {
      const erp = stack.erp.state.stockAt(w.erpLocationCode, sku);
      const got = stack.ecommerce.state.getAvailable(sku, w.webLocationId);
      if (got !== expected(sku, erp)) problems.push(`web stock ${sku} at ${w.warehouseId}: ${got}, the ERP says ${expected(sku, erp)}`);
      const mirror = w.sitooMirrorWarehouseId !== undefined ? stack.sitoo.state.getStock(w.sitooMirrorWarehouseId, sku) : erp;
      if (mirror !== erp) problems.push(`Sitoo mirror of ${w.warehouseId} holds ${mirror} of ${sku}, the ERP ${erp}`);
    }
  }
  const adjustments = stack.erp.state.stockAdjustments();
  for (const { transactionId, erpLocationCode } of played.recorded) {
    const mine = adjustments.filter((a) => a.externalDocumentNumber === `WT-${transactionId}`);
    if (mine.length !== 1) problems.push(`Sitoo transaction ${transactionId} has ${mine.length} ERP stock adjustments, expected exactly 1`);
    else if (mine[0]!.locationCode !== erpLocationCode) problems.push(`Sitoo transaction ${transactionId} adjusted ${mine[0]!.locationCode}, expected ${erpLocationCode}`);
  }
  for (const edit of played.handEdits) {
    const found = drift.locations.find((l) => l.locationId === edit.storeId)?.corrected.some((c) => c.sku === edit.sku);
    if (!found) problems.push(`the drift check did not repair the hand edit of ${edit.sku} at ${edit.storeId}`);
  }
  return problems;
}
