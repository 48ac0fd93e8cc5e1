import { ActivityFailure, ApplicationFailure, condition, defineUpdate, log, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { DEFAULT_OWNER, validateResolution, type ExceptionType, type ParkedException, type Resolution, type ResolutionAction } from '../domain/exceptions';
import { UNKNOWN_STORE } from '../domain/mapping';
import { SA } from './search-attributes';

/**
 * Business failures park instead of failing: the workflow stays open, its search attributes say
 * what went wrong and whose it is, and it waits for an operator's validated `resolve` update.
 */
export interface ResolveOutcome {
  exceptionType: ExceptionType;
  action: ResolutionAction;
  resolvedAt: string;
}

export interface ResolutionRecord extends Resolution {
  exceptionType: ExceptionType;
  at: string;
}

export const resolveUpdate = defineUpdate<ResolveOutcome, [Resolution]>('resolve');

export interface Parking {
  /** Parks until resolved; returns the accepted resolution. */
  park(type: ExceptionType, message: string, details: Record<string, unknown>, allowed: ResolutionAction[]): Promise<Resolution>;
  current(): ParkedException | undefined;
  readonly resolutions: ResolutionRecord[];
}

/** Call once at the top of a workflow: it registers the `resolve` update handler. */
export function installParking(): Parking {
  let parked: ParkedException | undefined;
  let pending: Resolution | undefined;
  const resolutions: ResolutionRecord[] = [];

  setHandler(
    resolveUpdate,
    async (resolution) => {
      const type = parked!.type;
      pending = resolution;
      // Answer once the workflow has taken the resolution, so the caller knows it was acted on.
      await condition(() => pending === undefined);
      return { exceptionType: type, action: resolution.action, resolvedAt: new Date().toISOString() };
    },
    {
      validator: (resolution) => {
        const problem = validateResolution(resolution, parked) ?? (pending ? 'a resolution is already being applied' : undefined);
        if (problem) throw new Error(problem);
      },
      description: 'Resolve the parked exception: {"action":"retry"|"skip"|"retry-with-mapping"|"acknowledge"|"use-store"|"cancel-order"|"supply-reference", "reason"?, "resolvedBy"?, "mapping"?, "storeId"?, "reference"?}; the exception lists its allowed actions',
    },
  );

  return {
    resolutions,
    current: () => parked,
    async park(type, message, details, allowed) {
      const owner = DEFAULT_OWNER[type];
      parked = { type, owner, message, details, since: new Date().toISOString(), allowedActions: allowed };
      upsertSearchAttributes([
        { key: SA.exceptionType, value: type },
        { key: SA.exceptionOwner, value: owner },
      ]);
      log.warn('parked as exception', { exceptionType: type, owner, message });
      await condition(() => pending !== undefined);
      const resolution = pending!;
      resolutions.push({ ...resolution, exceptionType: type, at: new Date().toISOString() });
      parked = undefined;
      pending = undefined;
      upsertSearchAttributes([
        { key: SA.exceptionType, value: null },
        { key: SA.exceptionOwner, value: null },
      ]);
      log.info('exception resolved', { exceptionType: type, action: resolution.action, resolvedBy: resolution.resolvedBy });
      return resolution;
    },
  };
}

/**
 * Runs an activity until it is accepted. A permanent refusal from an outside system (a
 * non-retryable failure) goes to `onRefusal`, which parks until an operator says what to do, and
 * then the call runs again; technical failures were already retried by Temporal and are rethrown.
 */
export async function untilAccepted<T>(call: () => Promise<T>, onRefusal: (refusal: ApplicationFailure) => Promise<unknown>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable)) throw err;
      await onRefusal(err.cause);
    }
  }
}

/**
 * A store gone from the mapping is a configuration problem, whichever step met it: it parks as
 * `unmapped-warehouse` for whoever keeps the mapping, who adds it back and retries. Any other
 * refusal parks as the step's own type.
 */
export function refusalType(refusal: ApplicationFailure, stepType: ExceptionType): ExceptionType {
  return refusal.type === UNKNOWN_STORE ? 'unmapped-warehouse' : stepType;
}
