import type { ErpPort } from '../connectors/erp/port';
import { stockLocations, type Mapping } from '../domain/mapping';
import type { StockChange } from '../domain/stock-flush';
import { callOrFail, FAILURE_TYPES } from './failures';
import { readPages } from './paging';
import type { PageLimits } from '../domain/poll-cursor';

export interface ErpStockPollDeps {
  erp: ErpPort;
  mapping: () => Mapping;
  /** Hands changed keys to the stock coalescer (signal-with-start); injected to keep client wiring out. */
  signalStock: (change: StockChange) => Promise<void>;
  saveCursor: (scheduleId: string, afterEntryNumber: number) => Promise<void>;
}

export interface ErpStockPollResult {
  afterEntryNumber: number;
  nextAfterEntryNumber: number;
  entries: number;
  items: number;
  keys: number;
}

/**
 * Warehouse stock is mastered in the ERP and read incrementally from the item ledger by entry
 * number. Ledger entries carry no location in the standard API, so every ERP-mastered location is
 * marked for each item that moved; the coalescer then reads the real per-location figures.
 */
export function createErpStockPollActivities(deps: ErpStockPollDeps) {
  return {
    async pollErpStock(
      input: {
        afterEntryNumber: number;
      } & PageLimits,
    ): Promise<ErpStockPollResult> {
      const result: ErpStockPollResult = {
        afterEntryNumber: input.afterEntryNumber,
        nextAfterEntryNumber: input.afterEntryNumber,
        entries: 0,
        items: 0,
        keys: 0,
      };
      const warehouses = stockLocations(deps.mapping()).filter((l) => l.master === 'erp');
      await readPages(input.maxPages, async () => {
        const entries = await callOrFail(FAILURE_TYPES.erpRejected, (signal) =>
          deps.erp.listItemLedgerEntries(result.nextAfterEntryNumber, input.pageSize, { signal }),
        );
        if (entries.length === 0) return { last: true, cursor: result.nextAfterEntryNumber };
        const items = [...new Set(entries.map((e) => e.itemNumber))];
        const keys = warehouses.flatMap((w) => items.map((sku) => ({ locationId: w.locationId, sku })));
        // Signal before moving the cursor: a crash in between re-reads entries, it never skips them.
        if (keys.length) await deps.signalStock({ keys });
        result.entries += entries.length;
        result.items += items.length;
        result.keys += keys.length;
        result.nextAfterEntryNumber = entries[entries.length - 1]!.entryNumber;
        return { last: entries.length < input.pageSize, cursor: result.nextAfterEntryNumber };
      });
      return result;
    },

    async saveErpStockCursor(input: { scheduleId: string; afterEntryNumber: number }): Promise<void> {
      await deps.saveCursor(input.scheduleId, input.afterEntryNumber);
    },
  };
}

export type ErpStockPollActivities = ReturnType<typeof createErpStockPollActivities>;
