import { sitooOrderErpDocumentNumber } from '../domain/ids';
import type { LocalStack } from '../local/stack';
import { EXPECTED_EXCEPTION, type PlayedSale } from './check';
import type { Scenario } from './scenario';

export interface StoreSummary {
  storeId: string;
  name: string;
  sales: number;
  eventsReceived: number;
  erpOrders: number;
  webStockUpdates: number;
  exceptions: Record<string, number>;
}

export interface DemoSummary {
  stores: StoreSummary[];
  totals: { sales: number; eventsReceived: number; erpOrders: number; webStockUpdates: number; exceptions: number };
  deliveries: {
    batchesSent: number;
    failedAttempts: number;
    duplicatesSent: number;
    refusedByFlakyProxy: number;
    duplicatesAcknowledged: number;
  };
  injectedFaults: Record<string, { errors: number; throttles: number; outages: number; lostResponses: number }>;
  stock?: StockSummary;
  wallTimeSeconds: number;
  temporalUi?: string;
  check: { ok: boolean; problems: string[] };
}

export interface StockSummary {
  transactions: number;
  flushes: number;
  webLevelsWritten: number;
  ecommerceCalls: number;
  ecommerceCallsPerSale: number;
  staleRetries: number;
  mirrored: number;
  erpStockAdjustments: number;
  driftCorrected: number;
  /** Units of web orders still unshipped at the end, committed in Shopify and so out of web available. */
  webOrderUnitsCommitted: number;
}

export function summarise(
  stack: LocalStack,
  scenario: Scenario,
  played: PlayedSale[],
  exceptionsByOrder: Map<number, string>,
  extra: Pick<DemoSummary, 'wallTimeSeconds' | 'temporalUi' | 'check' | 'stock'> & { refusedByProxy: number },
): DemoSummary {
  const docs = stack.erp.state.salesDocuments();
  const stores = scenario.stores.map((store): StoreSummary => {
    const mine = played.filter((p) => p.sale.storeId === store.storeId);
    const ids = new Set(mine.map((p) => sitooOrderErpDocumentNumber(stack.env.SITOO_ACCOUNT_ID, p.orderId)));
    const webLocationId = stack.mapping.stores.find((m) => m.storeId === store.storeId)?.webLocationId;
    const exceptions: Record<string, number> = {};
    for (const p of mine) {
      const type = exceptionsByOrder.get(p.orderId);
      if (type) exceptions[type] = (exceptions[type] ?? 0) + 1;
    }
    return {
      storeId: store.storeId,
      name: store.name,
      sales: mine.length,
      eventsReceived: stack.receiver.stats.eventsByWarehouse.get(store.warehouseId) ?? 0,
      erpOrders: docs.filter((d) => ids.has(d.externalDocumentNumber)).length,
      webStockUpdates: webLocationId
        ? stack.ecommerce.state.history.filter((h) => h.locationId === webLocationId).length
        : 0,
      exceptions,
    };
  });
  const sum = (f: (s: StoreSummary) => number) => stores.reduce((a, s) => a + f(s), 0);
  const ev = stack.sitoo.events.stats;
  return {
    stores,
    totals: {
      sales: sum((s) => s.sales),
      eventsReceived: sum((s) => s.eventsReceived),
      erpOrders: sum((s) => s.erpOrders),
      webStockUpdates: sum((s) => s.webStockUpdates),
      exceptions: sum((s) => Object.values(s.exceptions).reduce((a, b) => a + b, 0)),
    },
    deliveries: {
      batchesSent: ev.batchesSent,
      failedAttempts: ev.failedAttempts,
      duplicatesSent: ev.duplicatesSent,
      refusedByFlakyProxy: extra.refusedByProxy,
      duplicatesAcknowledged: stack.receiver.stats.outcomes.duplicate,
    },
    injectedFaults: {
      sitoo: { ...stack.sitoo.faults.counters },
      erp: { ...stack.erp.faults.counters },
      ecommerce: { ...stack.ecommerce.faults.counters },
    },
    stock: extra.stock,
    wallTimeSeconds: extra.wallTimeSeconds,
    temporalUi: extra.temporalUi,
    check: extra.check,
  };
}

export function renderTable(s: DemoSummary): string {
  // The expected kinds always show; any other type that occurred gets a column too, so nothing hides.
  const types = [
    ...new Set([...Object.values(EXPECTED_EXCEPTION), ...s.stores.flatMap((st) => Object.keys(st.exceptions))]),
  ];
  const head = ['store', 'sales', 'events', 'ERP orders', 'web stock updates', ...types];
  const rows = s.stores.map((st) =>
    [
      `${st.storeId} ${st.name}`,
      st.sales,
      st.eventsReceived,
      st.erpOrders,
      st.webStockUpdates,
      ...types.map((t) => st.exceptions[t!] ?? 0),
    ].map(String),
  );
  rows.push(
    [
      'total',
      s.totals.sales,
      s.totals.eventsReceived,
      s.totals.erpOrders,
      s.totals.webStockUpdates,
      ...types.map((t) => s.stores.reduce((a, st) => a + (st.exceptions[t!] ?? 0), 0)),
    ].map(String),
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [
    line(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(0, -1).map(line),
    widths.map((w) => '-'.repeat(w)).join('  '),
    line(rows[rows.length - 1]!),
  ];
  const d = s.deliveries;
  out.push(
    '',
    `Event deliveries: ${d.batchesSent} batches sent, ${d.failedAttempts} failed attempts retried (${d.refusedByFlakyProxy} refused by the flaky proxy), ${d.duplicatesSent} duplicate batches re-sent, ${d.duplicatesAcknowledged} duplicate events acknowledged without reprocessing`,
  );
  out.push(
    `Injected faults: ${Object.entries(s.injectedFaults)
      .map(([k, v]) => `${k} ${v.errors} 5xx, ${v.throttles} throttled, ${v.lostResponses} lost responses`)
      .join('; ')}`,
  );
  if (s.stock) {
    const k = s.stock;
    out.push(
      `Stock: ${k.transactions} Sitoo stock transactions read (events, plus the polling fallback's second look) in ${k.flushes} coalesced flushes; ${k.webLevelsWritten} web levels written in ${k.ecommerceCalls} e-commerce calls (${k.ecommerceCallsPerSale.toFixed(2)} per sale), ${k.staleRetries} compare-and-set conflicts re-read; ${k.mirrored} levels mirrored to Sitoo from the ERP; ${k.erpStockAdjustments} ERP stock adjustments; drift check corrected ${k.driftCorrected}; ${k.webOrderUnitsCommitted} units of unshipped web orders committed, not offered again`,
    );
  }
  out.push(`Wall time: ${s.wallTimeSeconds.toFixed(1)} s`);
  if (s.temporalUi) out.push(`Temporal UI: ${s.temporalUi}`);
  out.push(
    s.check.ok
      ? "End-state check: OK (one posted ERP order per paid sale, none for the rest, every exception parked; web available equal to each location's master on hand − buffer − reserved − committed web orders, one ERP stock adjustment per store stock change, the hand edit found and repaired; every price equal to the master's in Sitoo and Shopify, each product once in each, both edits put back and reported, the new SKU's sale resumed by the sync)"
      : `End-state check FAILED:\n${s.check.problems.map((p) => `  - ${p}`).join('\n')}`,
  );
  return out.join('\n');
}
