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
  const attributes = [
    ...(input.storeId ? [{ key: SA.storeId, value: input.storeId }] : []),
    ...(input.sitooOrderId ? [{ key: SA.sitooOrderId, value: input.sitooOrderId }] : []),
  ];
  if (attributes.length) upsertSearchAttributes(attributes);
  await parking.park(input.type, input.message, input.details, input.allowed);
  status.step = 'resolved';
  return parking.run(async () => parking.resolutions[parking.resolutions.length - 1]!);
}
