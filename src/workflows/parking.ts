import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  defineSignal,
  defineUpdate,
  log,
  metricMeter,
  patched,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  type QueryDefinition,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  DEFAULT_OWNER,
  exampleResolution,
  exceptionStoreId,
  NO_STORE,
  validateResolution,
  type ExceptionType,
  type OverdueMark,
  type ParkedException,
  type Resolution,
  type ResolutionAction,
} from '../domain/exceptions';
import { UNKNOWN_STORE } from '../domain/mapping';
import { SA } from './search-attributes';

/**
 * The one way a flow stops for a person. Business failures park instead of failing: the workflow
 * stays open, its search attributes say what went wrong, whose it is, where and since when, its
 * current details (the top of its page in the Temporal UI) say the same and what to do, its status
 * shows the exception and its allowed actions, and it waits for an operator's validated `resolve`
 * update or signal. Every workflow takes its parking from `installParking`; none writes its own.
 */
export interface ResolveOutcome {
  exceptionType: ExceptionType;
  action: ResolutionAction;
  resolvedAt: string;
}

export interface ResolutionRecord extends Resolution {
  exceptionType: ExceptionType;
  at: string;
  /**
   * How it arrived: the `resolve` update or signal (absent in records from before the signal), or
   * `automatic` when the flow saw the cause go away by itself (a late price that caught up).
   */
  via?: 'update' | 'signal' | 'automatic';
}

/** A `resolve` signal that was refused: it changed nothing, and this says why. */
export interface ResolveRefusal {
  at: string;
  input: unknown;
  reason: string;
}

export const resolveUpdate = defineUpdate<ResolveOutcome, [Resolution]>('resolve');
/**
 * The same resolution for tools that can only signal (the UI's "Send a Signal", scripts): applied
 * exactly as the update is when valid; refused, changing nothing, when not (see `lastRefusal`).
 */
export const resolveSignal = defineSignal<[Resolution]>('resolve');

/**
 * From the exception escalation: the exception parked at `parkedSince` outlived its SLA. It marks
 * that exception only (one parked later is not overdue yet) and changes no step; the mark shows
 * in the status and the current details, and tells the next escalation run it was already told.
 */
export interface OverdueNotice extends OverdueMark {
  parkedSince: string;
}
export const overdueSignal = defineSignal<[OverdueNotice]>('overdue');

/** What every flow's status carries, so the `status` query reads the same everywhere. */
export interface ParkableStatus<Step extends string = string> {
  step: Step | 'parked';
  exception?: ParkedException;
  resolutions: ResolutionRecord[];
  /** The last `resolve` signal refused (an update's refusal goes back to its caller instead). */
  lastRefusal?: ResolveRefusal;
}

/**
 * Parks from here on set ExceptionSince (so overdue ones are found by age) and file the exception
 * under a StoreId even before the flow knows its store (see exceptionStoreId). Histories parked
 * before this replay without those attributes.
 */
const FILED_BY_STORE_AND_AGE = 'exception-filed-by-store-and-age';
/** Resolve signals sent to a workflow before it had a handler did nothing, and replay that way. */
const RESOLVE_SIGNAL = 'resolve-signal';

const RESOLVE_DESCRIPTION =
  'Resolve the parked exception: {"action":"retry"|"skip"|"retry-with-mapping"|"acknowledge"|"use-store"|"cancel-order"|"supply-reference"|"accept", "reason"?, "resolvedBy"?, "mapping"?, "storeId"?, "reference"?}; the exception lists its allowed actions';

/** An ISO time as operators read it on the page: date, minutes, UTC. */
function utc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function orList(items: string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/**
 * A parked workflow's current details (the Temporal UI's "Current Details"): what, where, whose,
 * since when, and the input that resolves it; then the exception's own message. The UI renders
 * them as Markdown: paragraphs apart, the input as code so its quotes stay straight for copying.
 */
export function parkedDetails(parked: ParkedException, store: string | undefined): string {
  const first = parked.allowedActions[0];
  const how = first
    ? `resolve with ${orList(parked.allowedActions)}; input \`${JSON.stringify(exampleResolution(first))}\``
    : 'no resolution is offered';
  const overdue = parked.overdue ? `OVERDUE (SLA ${parked.overdue.sla}) — ` : '';
  return [
    `${overdue}Parked: ${parked.type}${store ? ` at ${store}` : ''} — owner ${parked.owner} — since ${utc(parked.since)} — ${how}`,
    parked.message,
  ].join('\n\n');
}

/** A working workflow's current details: its step, where, and since when. */
export function stepDetails(step: string, store: string | undefined, since: string): string {
  return `${step}${store ? ` at ${store}` : ''} — since ${utc(since)}`;
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
  /**
   * Files the workflow under its store: sets StoreId (with `also`, in the same upsert) and shows
   * the store, with its name, in the current details. Every StoreId a flow sets goes through here.
   */
  atStore(storeId: string, name?: string, also?: SearchAttributeUpdatePair[]): void;
  /**
   * Resolves what is parked from inside the flow, recorded as `automatic`: for an exception whose
   * cause can go away without anyone (a late price that reads back at last). Ignored when nothing
   * is parked or a person's resolution is already being applied.
   */
  resolveAutomatically(resolution: Resolution): void;
  readonly resolutions: ResolutionRecord[];
}

/**
 * Call once at the top of a workflow: it registers the `resolve` update and signal handlers (and
 * the status query, if given), and keeps the workflow's current details in step with its status.
 */
export function installParking<S extends ParkableStatus>(options: ParkingOptions<S>): Parking {
  const { status } = options;
  const setStep = options.setStep ?? ((step: S['step']) => void (status.step = step));
  let parked: ParkedException | undefined;
  let pending: { resolution: Resolution; via: 'update' | 'signal' | 'automatic' } | undefined;
  /** Where the workflow is filed: named by the flow (atStore), or guessed from an exception's details. */
  let store: { id: string; label: string; guessed?: boolean } | undefined;
  const resolutions = status.resolutions;

  // Every flow sets its step by assigning it; the details follow each assignment from here.
  let step = status.step;
  let stepSince = new Date().toISOString();
  Object.defineProperty(status, 'step', {
    enumerable: true,
    configurable: true,
    get: () => step,
    set: (next: S['step']) => {
      step = next;
      stepSince = new Date().toISOString();
      showDetails();
    },
  });
  function showDetails(): void {
    const label = store?.label;
    const now = parked ? parkedDetails(parked, label) : stepDetails(step, label, stepSince);
    const refusal = status.lastRefusal;
    setCurrentDetails(refusal ? `${now}\n\nResolve signal refused at ${utc(refusal.at)}: ${refusal.reason}` : now);
  }
  showDetails();

  /** The one check both the update and the signal make: undefined when the resolution may be applied. */
  const problemWith = (input: unknown): string | undefined =>
    validateResolution(input, parked) ?? (pending ? 'a resolution is already being applied' : undefined);

  setHandler(
    resolveUpdate,
    async (resolution) => {
      const type = parked!.type;
      pending = { resolution, via: 'update' };
      // Answer once the workflow has taken the resolution, so the caller knows it was acted on.
      await condition(() => pending === undefined);
      return { exceptionType: type, action: resolution.action, resolvedAt: new Date().toISOString() };
    },
    {
      validator: (resolution) => {
        const problem = problemWith(resolution);
        if (!problem) return;
        // One plain sentence wherever it is read: no stack, and no type, which the CLI would print
        // as "(type: ..., retryable: ...)" after it. Validators may not change state, so a refused
        // update is not recorded here: its caller has the answer.
        const refused = ApplicationFailure.create({ message: problem, nonRetryable: true });
        refused.stack = '';
        throw refused;
      },
      description: RESOLVE_DESCRIPTION,
    },
  );
  setHandler(
    resolveSignal,
    (input) => {
      if (!patched(RESOLVE_SIGNAL)) return;
      const problem = problemWith(input);
      if (!problem) {
        pending = { resolution: input, via: 'signal' };
        return;
      }
      // A signal has nobody to answer: the refusal goes where operators look (status, details,
      // the worker's log) and into the history as a memo change beside the signal it refuses.
      const at = new Date().toISOString();
      status.lastRefusal = { at, input, reason: problem };
      upsertMemo({ lastResolveRefusal: { at, reason: problem } });
      log.warn('resolve signal refused', { reason: problem, exceptionType: parked?.type });
      showDetails();
    },
    { description: `${RESOLVE_DESCRIPTION}. An invalid one is refused, changing nothing, and shown as lastRefusal` },
  );
  setHandler(
    overdueSignal,
    ({ parkedSince, sla, at, notified }) => {
      // Handlers that only change state add no command, so histories from before replay unchanged.
      if (!parked || parked.since !== parkedSince || parked.overdue) return;
      parked.overdue = { sla, at, notified };
      log.warn('exception overdue', { exceptionType: parked.type, owner: parked.owner, sla, notified });
      showDetails();
    },
    { description: 'From the exception escalation: the exception parked at parkedSince is past its SLA' },
  );
  if (options.statusQuery) setHandler(options.statusQuery, () => ({ ...status, exception: parked, resolutions }));

  function atStore(storeId: string, name?: string, also: SearchAttributeUpdatePair[] = []): void {
    store = { id: storeId, label: name && name !== storeId ? `${storeId} (${name})` : storeId };
    upsertSearchAttributes([{ key: SA.storeId, value: storeId }, ...also]);
    showDetails();
  }

  async function park(
    type: ExceptionType,
    message: string,
    details: Record<string, unknown>,
    allowed: ResolutionAction[],
  ): Promise<Resolution> {
    const owner = DEFAULT_OWNER[type];
    const was = status.step;
    setStep('parked');
    const since = new Date().toISOString();
    parked = { type, owner, message, details, since, allowedActions: allowed };
    const filed = patched(FILED_BY_STORE_AND_AGE);
    // A flow that has not named its store files the exception under what its details name; a
    // later exception that names more (a warehouse after an unreadable order) files it again.
    const named = filed && (!store || store.guessed) ? exceptionStoreId(details) : undefined;
    const refile = named !== undefined && named !== store?.id && (named !== NO_STORE || !store);
    if (refile) store = { id: named, label: named, guessed: true };
    upsertSearchAttributes([
      { key: SA.exceptionType, value: type },
      { key: SA.exceptionOwner, value: owner },
      ...(filed ? [{ key: SA.exceptionSince, value: new Date(since) }] : []),
      ...(refile ? [{ key: SA.storeId, value: named }] : []),
    ]);
    showDetails();
    log.warn('parked as exception', { exceptionType: type, owner, message });
    // On the worker's /metrics as retail_exceptions_raised_total and ..._resolved_total (with the
    // workflow type, task queue and namespace); recorded once, not again when the workflow replays.
    metricMeter.createCounter('retail_exceptions_raised', 'exceptions', 'Exceptions parked').add(1, { type, owner });
    await condition(() => pending !== undefined);
    const { resolution, via } = pending!;
    resolutions.push({ ...resolution, exceptionType: type, at: new Date().toISOString(), via });
    parked = undefined;
    pending = undefined;
    upsertSearchAttributes([
      { key: SA.exceptionType, value: null },
      { key: SA.exceptionOwner, value: null },
      ...(filed ? [{ key: SA.exceptionSince, value: null }] : []),
    ]);
    metricMeter
      .createCounter('retail_exceptions_resolved', 'exceptions', 'Parked exceptions resolved')
      .add(1, { type, action: resolution.action });
    log.info('exception resolved', {
      exceptionType: type,
      action: resolution.action,
      resolvedBy: resolution.resolvedBy,
      via,
    });
    if (resolution.action === 'skip' && options.skipEnds) throw new Skipped(type, resolution.reason);
    setStep(was);
    return resolution;
  }

  return {
    resolutions,
    current: () => parked,
    atStore,
    park,
    resolveAutomatically(resolution) {
      if (parked && !pending) pending = { resolution, via: 'automatic' };
    },
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
