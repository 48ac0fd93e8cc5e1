import type { StockBuffers } from '../domain/stock';
import type { CatalogueItem, StoreSeed, WarehouseSeed } from '../local/stack';
import { seededRandom } from '../simulators/random';

/**
 * A trading hour, generated from a seed so every run plays the same hour: which store sells what,
 * which payments arrive late or never, which sales carry a SKU nobody mapped. A `new-sku` sale is
 * played later, by the products section (catalogue.ts): a SKU sold before the ERP had it.
 */
export type SaleKind = 'paid' | 'paid-late' | 'never-paid' | 'unknown-sku' | 'unmapped-warehouse' | 'new-sku';

export interface PlannedSale {
  storeId: string;
  warehouseId: number;
  kind: SaleKind;
  /** Offset from the start of the hour, in ms of demo time. */
  at: number;
  /** For paid-late: how long after the sale the payment is confirmed. */
  paidAfterMs?: number;
  lines: Array<{ sku: string; productName: string; quantity: number; unitPriceGross: string; vatPercent: number }>;
}

/** Stock moving for other reasons than a sale, in the stores, the ERP and (by mistake) the web shop. */
export type PlannedStockChange = { at: number } & (
  | { kind: 'stocktake'; warehouseId: number; counts: Record<string, number> }
  | { kind: 'adjustment'; warehouseId: number; sku: string; quantity: number }
  | { kind: 'transfer'; from: number; to: number; sku: string; quantity: number }
  | { kind: 'goods-receipt'; erpLocationCode: string; sku: string; quantity: number }
  /** A merchant edits web stock by hand: drift the scheduled check must find and repair. */
  | { kind: 'web-hand-edit'; storeId: string; sku: string; quantity: number }
  /** A customer orders online, shipped from a store, and it is still unshipped at the end: Shopify holds it as committed. */
  | { kind: 'web-order'; storeId: string; sku: string; quantity: number }
);

export interface Scenario {
  stores: StoreSeed[];
  warehouses: WarehouseSeed[];
  catalogue: CatalogueItem[];
  buffers: StockBuffers;
  sales: PlannedSale[];
  stockChanges: PlannedStockChange[];
}

export interface ScenarioOptions {
  seed: number;
  salesPerStore: number;
  durationMs: number;
  /** Must stay below the payment confirmation timeout, so late payments are not parked. */
  maxLatePaymentMs: number;
}

const STORES = ['Stockholm', 'Göteborg', 'Malmö', 'Uppsala', 'Örebro'];

export function buildScenario(opts: ScenarioOptions): Scenario {
  const random = seededRandom(opts.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const catalogue: CatalogueItem[] = Array.from({ length: 30 }, (_, i) => ({
    sku: `SKU-${String(i + 1).padStart(3, '0')}`,
    name: `Product ${i + 1}`,
    unitPriceGross: `${(49 + i * 10).toFixed(0)}.00`,
    vatPercent: i % 5 === 0 ? 12 : 25,
    category: i < 10 ? 'TEES' : i < 20 ? 'KNITWEAR' : 'OUTERWEAR',
  }));
  // Fast movers carry a buffer so the last units are not sold twice; outerwear is scarce.
  const buffers: StockBuffers = { bySku: { 'SKU-001': 3, 'SKU-002': 2 }, byCategory: { OUTERWEAR: 1 } };
  // A hot set: the first five SKUs take about half of the lines.
  const skuFor = () => (random() < 0.5 ? catalogue[Math.floor(random() * 5)]! : pick(catalogue));
  const stock = () => Object.fromEntries(catalogue.map((c) => [c.sku, 500]));
  const stores: StoreSeed[] = STORES.map((name, i) => ({
    storeId: `S0${i + 1}`,
    name,
    warehouseId: 101 + i,
    erpLocationCode: `STORE0${i + 1}`,
    mapped: true,
    stock: stock(),
  }));
  stores.push({
    storeId: 'POP1',
    name: 'Pop-up (never mapped)',
    warehouseId: 199,
    erpLocationCode: 'POPUP',
    mapped: false,
    stock: stock(),
  });

  const sales: PlannedSale[] = [];
  const line = (sku = skuFor()) => ({
    sku: sku.sku,
    productName: sku.name,
    quantity: 1 + Math.floor(random() * 2),
    unitPriceGross: sku.unitPriceGross,
    vatPercent: sku.vatPercent,
  });
  for (const store of stores.filter((s) => s.mapped)) {
    for (let n = 0; n < opts.salesPerStore; n++) {
      const roll = random();
      const kind: SaleKind = roll < 0.04 ? 'never-paid' : roll < 0.16 ? 'paid-late' : 'paid';
      const lines = Array.from({ length: 1 + Math.floor(random() * 3) }, () => line());
      sales.push({
        storeId: store.storeId,
        warehouseId: store.warehouseId,
        kind,
        at: Math.floor(random() * opts.durationMs),
        lines,
        paidAfterMs: kind === 'paid-late' ? 500 + Math.floor(random() * (opts.maxLatePaymentMs - 500)) : undefined,
      });
    }
  }
  // A few sales of a product that exists only in the POS (never set up in the ERP or the web shop).
  for (let n = 0; n < 3; n++) {
    const store = pick(stores.filter((s) => s.mapped));
    sales.push({
      storeId: store.storeId,
      warehouseId: store.warehouseId,
      kind: 'unknown-sku',
      at: Math.floor(random() * opts.durationMs),
      lines: [
        line(),
        { sku: `GHOST-${n + 1}`, productName: 'Unlisted item', quantity: 1, unitPriceGross: '99.00', vatPercent: 25 },
      ],
    });
  }
  const popup = stores.find((s) => !s.mapped)!;
  for (let n = 0; n < 4; n++)
    sales.push({
      storeId: popup.storeId,
      warehouseId: popup.warehouseId,
      kind: 'unmapped-warehouse',
      at: Math.floor(random() * opts.durationMs),
      lines: [line()],
    });
  sales.sort((a, b) => a.at - b.at);
  const warehouses: WarehouseSeed[] = [
    {
      warehouseId: 'CENTRAL',
      name: 'Central warehouse',
      erpLocationCode: 'WH01',
      sitooMirrorWarehouseId: 900,
      stock: Object.fromEntries(catalogue.map((c) => [c.sku, 2000])),
    },
  ];
  const at = (fraction: number) => Math.floor(opts.durationMs * fraction);
  const stockChanges: PlannedStockChange[] = [
    { at: at(0.2), kind: 'goods-receipt', erpLocationCode: 'WH01', sku: 'SKU-001', quantity: 300 },
    { at: at(0.3), kind: 'stocktake', warehouseId: 102, counts: { 'SKU-010': 420, 'SKU-011': 505 } },
    { at: at(0.4), kind: 'adjustment', warehouseId: 103, sku: 'SKU-020', quantity: -2 },
    { at: at(0.5), kind: 'transfer', from: 101, to: 104, sku: 'SKU-015', quantity: 5 },
    { at: at(0.6), kind: 'web-hand-edit', storeId: 'S05', sku: 'SKU-030', quantity: 7 },
    { at: at(0.7), kind: 'goods-receipt', erpLocationCode: 'WH01', sku: 'SKU-025', quantity: 120 },
    // Hot SKUs, so later store sales flush the same levels while the web orders wait to be shipped.
    { at: at(0.25), kind: 'web-order', storeId: 'S01', sku: 'SKU-003', quantity: 2 },
    { at: at(0.45), kind: 'web-order', storeId: 'S02', sku: 'SKU-004', quantity: 1 },
    { at: at(0.65), kind: 'web-order', storeId: 'S03', sku: 'SKU-005', quantity: 3 },
  ];
  return { stores, warehouses, catalogue, buffers, sales, stockChanges };
}
