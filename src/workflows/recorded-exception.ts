import { upsertSearchAttributes } from '@temporalio/workflow';
import { installParking, type ResolutionRecord } from './parking';
import {
  recordedExceptionStatusQuery,
  type RecordedExceptionInput,
  type RecordedExceptionStatus,
} from './recorded-exception-contract';
import { SA } from './search-attributes';

/**
 * An exception raised where no business workflow can park it (an event the receiver could not
 * process, a long-running or scheduled flow that must not stop for it): recorded here, parked
 * with its owner, store and order, visible in the Temporal UI until someone resolves it.
 */
export async function recordedExceptionWorkflow(input: RecordedExceptionInput): Promise<ResolutionRecord> {
  const status: RecordedExceptionStatus = { step: 'parked', resolutions: [] };
  const parking = installParking({ status, statusQuery: recordedExceptionStatusQuery, refusalActions: [] });
  const order = input.sitooOrderId ? [{ key: SA.sitooOrderId, value: input.sitooOrderId }] : [];
  // One upsert, as before the store went through parking, so recorded histories replay.
  if (input.storeId) parking.atStore(input.storeId, undefined, order);
  else if (order.length) upsertSearchAttributes(order);
  await parking.park(input.type, input.message, input.details, input.allowed);
  status.step = 'resolved';
  return parking.run(async () => parking.resolutions[parking.resolutions.length - 1]!);
}
