import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  defineUpdate,
  log,
  metricMeter,
  setHandler,
  upsertSearchAttributes,
  type QueryDefinition,
} from '@temporalio/workflow';
import {
  DEFAULT_OWNER,
  validateResolution,
  type ExceptionType,
  type ParkedException,
  type Resolution,
  type ResolutionAction,
} from '../domain/exceptions';
import { UNKNOWN_STORE } from '../domain/mapping';
import { SA } from './search-attributes';

/**
 * The one way a flow stops for a person. Business failures park instead of failing: the workflow
 * stays open, its search attributes say what went wrong and whose it is, its status shows the
 * exception and its allowed actions, and it waits for an operator's validated `resolve` update.
 * Every workflow takes its parking from `installParking`; none writes its own.
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

/** What every flow's status carries, so the `status` query reads the same everywhere. */
export interface ParkableStatus<Step extends string = string> {
  step: Step | 'parked';
  exception?: ParkedException;
  resolutions: ResolutionRecord[];
}

/**
 * An operator chose `skip` in a flow where skipping ends it: thrown from `park`, and turned into
 * the flow's skipped result by `Parking.run`, so no flow needs its own "skipped" error.
 */
export class Skipped extends Error {
  constructor(
    readonly exceptionType: ExceptionType,
    readonly reason?: string,
  ) {
    super(`${exceptionType} skipped${reason ? `: ${reason}` : ''}`);
    this.name = 'Skipped';
  }
}

/**
 * The one test for a business refusal: an outside system said no, and Temporal will not retry it
 * (a non-retryable failure). A remote activity's failure arrives wrapped in an ActivityFailure; a
 * local activity's arrives as its own ApplicationFailure.
 */
export function refusalOf(err: unknown): ApplicationFailure | undefined {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure && failure.nonRetryable ? failure : undefined;
}

/**
 * Runs an activity until it is accepted. A refusal goes to `onRefusal`, which parks until an
 * operator says what to do, and then the call runs again; technical failures were already retried
 * by Temporal and are rethrown.
 */
export async function untilAccepted<T>(
  call: () => Promise<T>,
  onRefusal: (refusal: ApplicationFailure) => Promise<unknown>,
): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      const refusal = err instanceof ActivityFailure ? refusalOf(err) : undefined;
      if (!refusal) throw err;
      await onRefusal(refusal);
    }
  }
}

export interface OrParkOptions {
  /** Actions offered for the refusal; default the flow's `refusalActions`. */
  allowed?: ResolutionAction[];
  /** Added to the exception's details (the refusal's own type and details are always there). */
  details?: Record<string, unknown>;
  /** Put before the refusal's message, e.g. "the ERP refused the day journal". */
  what?: string;
}

export interface ParkingOptions<S extends ParkableStatus> {
  /** The flow's status: `park` shows `parked` in its step while it waits and puts the step back after. */
  status: S;
  /** Served with the current exception and the resolutions merged in. */
  statusQuery?: QueryDefinition<S>;
  /** How the flow sets its step, when it does more than assign it (click & collect keeps a step log). */
  setStep?: (step: S['step']) => void;
  /** `skip` ends the flow: `park` throws `Skipped` when it is chosen (sale, return, stock adjustment). */
  skipEnds?: boolean;
  /** What an operator may do about a refusal from an outside system (orPark's default). */
  refusalActions: ResolutionAction[];
}

export interface Parking {
  /** Parks until resolved; returns the accepted resolution (or throws Skipped, see skipEnds). */
  park(
    type: ExceptionType,
    message: string,
    details: Record<string, unknown>,
    allowed: ResolutionAction[],
  ): Promise<Resolution>;
  /** Runs an activity; a refusal parks under `type` (or the type chosen from the refusal) until resolved, then the call runs again. */
  orPark<T>(
    type: ExceptionType | ((refusal: ApplicationFailure) => ExceptionType),
    call: () => Promise<T>,
    options?: OrParkOptions,
  ): Promise<T>;
  /**
   * The flow's body: a `Skipped` becomes `skipped(…)` with the step `skipped`, and the flow only
   * returns once a `resolve` update that ended it has answered its caller.
   */
  run<R>(body: () => Promise<R>, skipped?: (s: Skipped) => R): Promise<R>;
  current(): ParkedException | undefined;
  readonly resolutions: ResolutionRecord[];
}

/** Call once at the top of a workflow: it registers the `resolve` update handler (and the status query, if given). */
export function installParking<S extends ParkableStatus>(options: ParkingOptions<S>): Parking {
  const { status } = options;
  const setStep = options.setStep ?? ((step: S['step']) => void (status.step = step));
  let parked: ParkedException | undefined;
  let pending: Resolution | undefined;
  const resolutions = status.resolutions;

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
        const problem =
          validateResolution(resolution, parked) ?? (pending ? 'a resolution is already being applied' : undefined);
        if (problem) throw new Error(problem);
      },
      description:
        'Resolve the parked exception: {"action":"retry"|"skip"|"retry-with-mapping"|"acknowledge"|"use-store"|"cancel-order"|"supply-reference"|"accept", "reason"?, "resolvedBy"?, "mapping"?, "storeId"?, "reference"?}; the exception lists its allowed actions',
    },
  );
  if (options.statusQuery) setHandler(options.statusQuery, () => ({ ...status, exception: parked, resolutions }));

  async function park(
    type: ExceptionType,
    message: string,
    details: Record<string, unknown>,
    allowed: ResolutionAction[],
  ): Promise<Resolution> {
    const owner = DEFAULT_OWNER[type];
    const was = status.step;
    setStep('parked');
    parked = { type, owner, message, details, since: new Date().toISOString(), allowedActions: allowed };
    upsertSearchAttributes([
      { key: SA.exceptionType, value: type },
      { key: SA.exceptionOwner, value: owner },
    ]);
    log.warn('parked as exception', { exceptionType: type, owner, message });
    // On the worker's /metrics as retail_exceptions_raised_total and ..._resolved_total (with the
    // workflow type, task queue and namespace); recorded once, not again when the workflow replays.
    metricMeter.createCounter('retail_exceptions_raised', 'exceptions', 'Exceptions parked').add(1, { type, owner });
    await condition(() => pending !== undefined);
    const resolution = pending!;
    resolutions.push({ ...resolution, exceptionType: type, at: new Date().toISOString() });
    parked = undefined;
    pending = undefined;
    upsertSearchAttributes([
      { key: SA.exceptionType, value: null },
      { key: SA.exceptionOwner, value: null },
    ]);
    metricMeter
      .createCounter('retail_exceptions_resolved', 'exceptions', 'Parked exceptions resolved')
      .add(1, { type, action: resolution.action });
    log.info('exception resolved', {
      exceptionType: type,
      action: resolution.action,
      resolvedBy: resolution.resolvedBy,
    });
    if (resolution.action === 'skip' && options.skipEnds) throw new Skipped(type, resolution.reason);
    setStep(was);
    return resolution;
  }

  return {
    resolutions,
    current: () => parked,
    park,
    orPark(type, call, orParkOptions = {}) {
      return untilAccepted(call, (f) =>
        park(
          typeof type === 'function' ? type(f) : type,
          orParkOptions.what ? `${orParkOptions.what}: ${f.message}` : f.message,
          { ...orParkOptions.details, failureType: f.type, ...(f.details?.length ? { refusal: f.details } : {}) },
          orParkOptions.allowed ?? options.refusalActions,
        ),
      );
    },
    async run(body, skipped) {
      let result;
      try {
        result = await body();
      } catch (err) {
        if (!(err instanceof Skipped) || !skipped) throw err;
        setStep('skipped' as S['step']);
        result = skipped(err);
      }
      // Let a resolve update that ended the flow answer its caller before the workflow closes.
      await condition(allHandlersFinished);
      return result;
    },
  };
}

/**
 * A store gone from the mapping is a configuration problem, whichever step met it: it parks as
 * `unmapped-warehouse` for whoever keeps the mapping, who adds it back and retries. Any other
 * refusal parks as the step's own type.
 */
export function refusalType(refusal: ApplicationFailure, stepType: ExceptionType): ExceptionType {
  return refusal.type === UNKNOWN_STORE ? 'unmapped-warehouse' : stepType;
}
