import { ApplicationFailure } from '@temporalio/common';
import { PermanentError, TransientError } from '../connectors/http';
import { attemptSignal } from './attempt';

/** Failure types a workflow can branch on (listed as non-retryable where they are). */
export const FAILURE_TYPES = {
  transient: 'TransientError',
  erpRejected: 'ErpRejected',
  ecommerceRejected: 'EcommerceRejected',
  sitooRejected: 'SitooRejected',
} as const;

/**
 * Technical failures retry, business refusals do not. A TransientError keeps retrying with the
 * activity's backoff, but never sooner than the server asked (Retry-After / throttle budget).
 * A PermanentError becomes a non-retryable failure of the given type, which the workflow parks.
 */
export function toActivityFailure(err: unknown, rejectedType: string): unknown {
  if (err instanceof TransientError) {
    return ApplicationFailure.create({
      message: err.message,
      type: FAILURE_TYPES.transient,
      nonRetryable: false,
      nextRetryDelay: err.retryAfterMs && err.retryAfterMs > 0 ? err.retryAfterMs : undefined,
      details: [{ system: err.system, status: err.status }],
    });
  }
  if (err instanceof PermanentError) {
    return ApplicationFailure.create({
      message: err.message,
      type: rejectedType,
      nonRetryable: true,
      details: [{ system: err.system, status: err.status, code: err.code }],
    });
  }
  return err;
}

/**
 * Runs a connector call and translates its errors; keeps each activity body about the business
 * step. The call gets the attempt's signal (see attempt.ts), so nothing it sends outlives the
 * attempt: pass it on to the connector.
 */
export async function callOrFail<T>(
  rejectedType: string,
  fn: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  try {
    return await fn(attemptSignal());
  } catch (err) {
    throw toActivityFailure(err, rejectedType);
  }
}
