import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pino } from 'pino';
import { saleWorkflowId, sitooOrderErpDocumentNumber, stockSyncWorkflowId } from '../../src/domain/ids';
import { bufferFor, NO_BUFFERS, webOnHand } from '../../src/domain/stock';
import { stockStatusQuery } from '../../src/workflows/stock-contract';
import { PaymentState } from '../../src/domain/sale';
import {
  startLocalStack,
  type CatalogueItem,
  type LocalStack,
  type LocalStackOptions,
  type StoreSeed,
} from '../../src/local/stack';
import { PROJECT_ROOT } from '../../src/local/temporal-cli';
import { statusQuery } from '../../src/workflows/sale-contract';
import { waitFor, type TestTemporal } from '../support/temporal';

/** A small shop for end-to-end tests: two mapped stores and one warehouse nobody mapped. */
export const catalogue: CatalogueItem[] = [
  { sku: 'TEE-1', name: 'T-shirt', unitPriceGross: '199.00', vatPercent: 25 },
  { sku: 'CAP-1', name: 'Cap', unitPriceGross: '149.00', vatPercent: 25 },
  { sku: 'BOOK-1', name: 'Book', unitPriceGross: '249.00', vatPercent: 6 },
];
const stock = () => ({ 'TEE-1': 100, 'CAP-1': 100, 'BOOK-1': 100 });
export const stores: StoreSeed[] = [
  { storeId: 'S01', name: 'Stockholm', warehouseId: 101, erpLocationCode: 'STORE01', mapped: true, stock: stock() },
  { storeId: 'S02', name: 'Malmö', warehouseId: 102, erpLocationCode: 'STORE02', mapped: true, stock: stock() },
  { storeId: 'POP', name: 'Pop-up', warehouseId: 199, erpLocationCode: 'POPUP', mapped: false, stock: stock() },
];

export function startTestStack(
  t: TestTemporal,
  name: string,
  overrides: Partial<LocalStackOptions> = {},
): Promise<LocalStack> {
  return startLocalStack({
    temporal: { address: t.address, namespace: t.namespace },
    dataDir: join(PROJECT_ROOT, '.data', 'e2e', name),
    stores,
    catalogue,
    paymentConfirmationTimeout: '1h',
    workflowBundle: t.workflowBundle,
    logger: pino({ level: 'silent' }),
    ...overrides,
  });
}

export function sell(
  stack: LocalStack,
  warehouseId: number,
  lines: Array<[sku: string, quantity: number]>,
  paymentStateId: number = PaymentState.Successful,
) {
  return stack.sitoo.pos.recordSale({
    warehouseId,
    paymentStateId,
    lines: lines.map(([sku, quantity]) => ({
      sku,
      quantity,
      unitPriceGross: catalogue.find((c) => c.sku === sku)?.unitPriceGross ?? '10.00',
      vatPercent: 25,
    })),
  });
}

export function saleHandle(stack: LocalStack, orderId: number) {
  return stack.client.workflow.getHandle(saleWorkflowId(stack.env.SITOO_ACCOUNT_ID, orderId));
}

export function webLocation(stack: LocalStack, storeId: string): string {
  return stack.mapping.stores.find((s) => s.storeId === storeId)!.webLocationId;
}

export function erpDocs(stack: LocalStack, orderId: number) {
  return stack.erp.state
    .salesDocuments()
    .filter((d) => d.externalDocumentNumber === sitooOrderErpDocumentNumber(stack.env.SITOO_ACCOUNT_ID, orderId));
}

/** Waits until the sale's workflow exists and has closed, and returns its result. */
export async function saleResult(stack: LocalStack, orderId: number, timeoutMs = 60_000) {
  await waitFor(
    `sale ${orderId} workflow to start`,
    () =>
      saleHandle(stack, orderId)
        .describe()
        .then(() => true),
    timeoutMs,
  );
  return saleHandle(stack, orderId).result();
}

export async function parkedAs(stack: LocalStack, orderId: number, type: string, timeoutMs = 60_000) {
  return waitFor(
    `sale ${orderId} parked as ${type}`,
    async () => {
      const status = await saleHandle(stack, orderId).query(statusQuery);
      return status.exception?.type === type ? status : undefined;
    },
    timeoutMs,
  );
}

/**
 * What the web should offer for a SKU at a store: Sitoo's on hand minus buffer and reservations,
 * less the units the web shop has committed to its own open orders.
 */
export function expectedStoreWeb(stack: LocalStack, storeId: string, sku: string): number {
  const store = stack.mapping.stores.find((s) => s.storeId === storeId)!;
  const onHand = stack.sitoo.state.getStock(store.sitooWarehouseId, sku);
  const reserved = stack.sitoo.pos.getReserved(store.sitooWarehouseId, sku);
  const committed = stack.ecommerce.state.quantities(sku, store.webLocationId)?.committed ?? 0;
  return webOnHand({ onHand, reserved }, bufferFor(stack.mapping.buffers ?? NO_BUFFERS, sku)) - committed;
}

/** Waits until the web shows, for each SKU at the store, what Sitoo holds. */
export async function webMatchesStore(
  stack: LocalStack,
  storeId: string,
  skus: string[],
  timeoutMs = 30_000,
): Promise<void> {
  const location = webLocation(stack, storeId);
  await waitFor(
    `web stock at ${storeId} to match Sitoo for ${skus.join(', ')}`,
    () =>
      skus.every((sku) => stack.ecommerce.state.getAvailable(sku, location) === expectedStoreWeb(stack, storeId, sku)),
    timeoutMs,
  );
}

/** The coalescer's status, once it has started. */
export function stockSyncHandle(stack: LocalStack) {
  return stack.client.workflow.getHandle(stockSyncWorkflowId(stack.env.SITOO_ACCOUNT_ID));
}

export const stockStatus = (stack: LocalStack) => stockSyncHandle(stack).query(stockStatusQuery);

/** Shopify requests that actually ran (throttled ones excluded), all operations together. */
export function ecommerceRequests(stack: LocalStack): number {
  return [...stack.ecommerce.operations.values()].reduce((a, b) => a + b, 0);
}

/** `npm run ops -- <args>` as a process of its own, with only PATH and `env` in its environment and no terminal. */
export function runOps(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/starters/ops.ts'), ...args], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
