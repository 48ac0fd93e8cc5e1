import { allHandlersFinished, condition, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { installParking, type ResolutionRecord } from './parking';
import { recordedExceptionStatusQuery, type RecordedExceptionInput } from './recorded-exception-contract';
import { SA } from './search-attributes';

/**
 * An exception raised where no business workflow can park it (an event the receiver could not
 * process, a long-running or scheduled flow that must not stop for it): recorded here, parked
 * with its owner, store and order, visible in the Temporal UI until someone resolves it.
 */
export async function recordedExceptionWorkflow(input: RecordedExceptionInput): Promise<ResolutionRecord> {
  const parking = installParking();
  setHandler(recordedExceptionStatusQuery, () => ({ exception: parking.current(), resolutions: parking.resolutions }));
  const attributes = [
    ...(input.storeId ? [{ key: SA.storeId, value: input.storeId }] : []),
    ...(input.sitooOrderId ? [{ key: SA.sitooOrderId, value: input.sitooOrderId }] : []),
  ];
  if (attributes.length) upsertSearchAttributes(attributes);
  await parking.park(input.type, input.message, input.details, input.allowed);
  await condition(allHandlersFinished);
  return parking.resolutions[parking.resolutions.length - 1]!;
}
