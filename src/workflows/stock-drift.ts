import { proxyActivities, setWorkflowOptions, sleep, workflowInfo } from '@temporalio/workflow';
import type { StockActivities } from '../activities/stock-sync-activities';
import { stockDriftReportWorkflowId } from '../domain/ids';
import { recordedExceptionWorkflow } from './recorded-exception';
import { recordedExceptionSummary, type RecordedExceptionInput } from './recorded-exception-contract';
import { startOnce } from './start-once';
import type { StockDriftInput, StockDriftResult } from './stock-contract';
import { TASK_QUEUES } from './task-queues';
import { LOCATION_SWEEP, summarised } from './activity-options';
import { durationMs, InvalidDurationError } from '../domain/duration';

const stock = summarised(proxyActivities<StockActivities>(LOCATION_SWEEP), {
  listStockLocations: () => 'List the stock locations',
  compareLocationStock: ({ locationId }) => `Compare web stock with the master at ${locationId}`,
  repairLocationStock: ({ locationId, skus }) => `Correct ${skus.length} SKU(s) at ${locationId}`,
});

/** Details kept in history per report; the count says how many more there were. */
const LISTED = 500;

// A settle that is not a duration fails the run at once, naming the field.
setWorkflowOptions({ failureExceptionTypes: [InvalidDurationError] }, stockDriftWorkflow);

/**
 * The scheduled full comparison: for each location, the web's on_hand against the master's
 * figure. What differs is checked again after `settle` (a change still on its way is not drift),
 * corrected with compare-and-set, and reported as an `inventory-sync-failure` listing each SKU
 * with its old and new web value (on_hand; the shop's available is that less its committed units).
 */
export async function stockDriftWorkflow(input: StockDriftInput): Promise<StockDriftResult> {
  const checkId = workflowInfo().startTime.toISOString().replace(/[-:.]/g, '');
  const result: StockDriftResult = { locations: [] };
  for (const { locationId } of await stock.listStockLocations()) {
    const first = await stock.compareLocationStock({ locationId });
    const entry: StockDriftResult['locations'][number] = { locationId, checked: first.checked, corrected: [] };
    result.locations.push(entry);
    if (first.differing.length === 0) continue;
    await sleep(durationMs('settle', input.settle));
    entry.corrected = await stock.repairLocationStock({
      locationId,
      skus: first.differing.map((d) => d.sku),
      checkId,
      found: first.differing,
    });
    if (entry.corrected.length === 0) continue;
    entry.reportId = stockDriftReportWorkflowId(locationId, checkId);
    const report: RecordedExceptionInput = {
      type: 'inventory-sync-failure',
      message: `${entry.corrected.length} web stock level(s) at ${locationId} differed from the stock master and were corrected`,
      details: {
        locationId,
        checkedAt: workflowInfo().startTime.toISOString(),
        corrections: entry.corrected
          .slice(0, LISTED)
          .map(({ sku, from, to }) => ({ sku, oldWebValue: from, newWebValue: to })),
        count: entry.corrected.length,
      },
      storeId: locationId,
      allowed: ['acknowledge'],
    };
    await startOnce(
      recordedExceptionWorkflow,
      entry.reportId,
      TASK_QUEUES.main,
      [report],
      recordedExceptionSummary(report),
    );
  }
  return result;
}
