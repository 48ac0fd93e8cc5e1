import { upsertSearchAttributes } from '@temporalio/workflow';
import type { ExceptionType, ResolutionAction } from '../domain/exceptions';
import { installParking, type ResolutionRecord } from './parking';
import { SA } from './search-attributes';
import { defineQuery } from '@temporalio/workflow';
import type { ParkedException } from '../domain/exceptions';

/**
 * An exception raised by a long-running or scheduled flow that must not stop for it (the stock
 * coalescer, the drift check): recorded here, parked with its owner and store, visible in the
 * Temporal UI until someone resolves it.
 */
export interface RecordedExceptionInput {
  type: ExceptionType;
  message: string;
  details: Record<string, unknown>;
  storeId?: string;
  allowed: ResolutionAction[];
}

export interface RecordedExceptionStatus {
  step: 'parked' | 'resolved';
  exception?: ParkedException;
  resolutions: ResolutionRecord[];
}

export const recordedExceptionStatusQuery = defineQuery<RecordedExceptionStatus>('status');

export async function recordedExceptionWorkflow(input: RecordedExceptionInput): Promise<ResolutionRecord> {
  const status: RecordedExceptionStatus = { step: 'parked', resolutions: [] };
  const parking = installParking({ status, statusQuery: recordedExceptionStatusQuery, refusalActions: [] });
  if (input.storeId) upsertSearchAttributes([{ key: SA.storeId, value: input.storeId }]);
  await parking.park(input.type, input.message, input.details, input.allowed);
  status.step = 'resolved';
  return parking.run(async () => parking.resolutions[parking.resolutions.length - 1]!);
}
