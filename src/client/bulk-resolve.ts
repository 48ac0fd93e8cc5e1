import { randomBytes } from 'node:crypto';
import { isGrpcServiceError, ServiceError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
// A CommonJS module: Node's ESM loader sees only its default export.
import proto from '@temporalio/proto';
import { validateResolution, type Resolution } from '../domain/exceptions';
// Every flow's contract re-exports the one `resolve` signal of workflows/parking.ts.
import { resolveSignal, type SaleStatus } from '../workflows/sale-contract';
import { SA } from '../workflows/search-attributes';
import { mapLimit } from './store-health';

/**
 * Bulk resolution: one resolution for every parked workflow a visibility query finds, sent as one
 * Temporal batch job of `resolve` signals. In three steps, so a person sees what will happen
 * before it does: `previewBulkResolve` lists what the query finds and what each will say,
 * `startBulkResolve` sends the signal to exactly those executions, and `reportBulkResolve` reads
 * back from each workflow whether it took the resolution or refused it. The signal, not the
 * update, because a batch job can only signal; a workflow that refuses a signal records it in its
 * status (`lastRefusal`) and changes nothing, which is what the report reads.
 */

/** What every parked flow's `status` query carries (ParkableStatus); the sale's contract names the types. */
type ParkedStatus = Pick<SaleStatus, 'exception' | 'resolutions' | 'lastRefusal'> & { step: string };

/** What the workflow will do with the resolution, as far as its status says before anything is sent. */
export type Verdict =
  | { kind: 'accepts' }
  | { kind: 'refuses'; reason: string }
  /** Its status query was not answered (no worker?): the workflow decides when it reads the signal. */
  | { kind: 'unknown'; problem: string };

export interface BulkTarget {
  workflowId: string;
  runId: string;
  workflowType: string;
  exceptionType?: string;
  storeId?: string;
  owner?: string;
  /** When it parked (the status's, else ExceptionSince). */
  since?: string;
  verdict: Verdict;
  /** Its status when previewed, so the report tells our resolution or refusal from earlier ones. */
  before?: { resolutions: number; lastRefusalAt?: string };
}

export interface BulkPreview {
  /** The query as run: the operator's, restricted to workflows parked now. */
  query: string;
  resolution: Resolution;
  targets: BulkTarget[];
  /** Listed by visibility, but their status says nothing is parked any more (resolved meanwhile): not sent. */
  leftOut: Array<{ workflowId: string; runId: string }>;
  /** More matched than one run may send (MAX_BULK): nothing may be sent; narrow the query. */
  tooMany: boolean;
}

export type BulkOutcome =
  | { kind: 'accepted'; now: string }
  | { kind: 'refused'; reason: string }
  | { kind: 'pending' }
  | { kind: 'failed'; reason: string };

export interface BatchProgress {
  jobId: string;
  state: 'running' | 'completed' | 'failed' | 'unknown';
  total: number;
  completed: number;
  failed: number;
  /** The server's start time of the job. */
  startedAt?: Date;
}

/**
 * Executions one run sends to at most: Temporal's default cap on one batch job's executions
 * (frontend.MaxExecutionCountBatchOperationPerNamespace), and more than a person checks in a preview.
 */
export const MAX_BULK = 1000;

/** The restriction every bulk query gets: only workflows parked now. */
export function parkedQuery(query: string): string {
  return `(${query}) AND ExceptionType IS NOT NULL AND ExecutionStatus = "Running"`;
}

/** gRPC status codes the server answers with. */
const INVALID_ARGUMENT = 3;
const RESOURCE_EXHAUSTED = 8;

export interface BulkOptions {
  /** Status queries in flight at once (default 8). */
  concurrency?: number;
  /** How long one status query may wait for a worker (default 5 s). */
  queryTimeoutMs?: number;
}

function queryStatus(client: Client, workflowId: string, runId: string, timeoutMs: number): Promise<ParkedStatus> {
  return client.withDeadline(Date.now() + timeoutMs, () =>
    client.workflow.getHandle(workflowId, runId).query<ParkedStatus>('status'),
  );
}

function problemOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return /deadline/i.test(message) ? 'its status query had no answer in time: is its worker running?' : message;
}

/**
 * Lists the parked workflows the query finds and, from each one's status, whether it will take
 * the resolution: the same check (validateResolution) its `resolve` signal makes.
 */
export async function previewBulkResolve(
  client: Client,
  query: string,
  resolution: Resolution,
  opts: BulkOptions = {},
): Promise<BulkPreview> {
  const full = parkedQuery(query);
  const infos: WorkflowExecutionInfo[] = [];
  try {
    for await (const info of client.workflow.list({ query: full, pageSize: 1000 })) {
      infos.push(info);
      if (infos.length > MAX_BULK) break;
    }
  } catch (err) {
    const cause = err instanceof ServiceError ? err.cause : err;
    if (isGrpcServiceError(cause) && cause.code === INVALID_ARGUMENT)
      throw new BulkQueryError(`Temporal refused the query ${full}: ${cause.details}`);
    throw err;
  }
  if (infos.length > MAX_BULK) return { query: full, resolution, targets: [], leftOut: [], tooMany: true };
  const timeout = opts.queryTimeoutMs ?? 5_000;
  const read = await mapLimit(infos, opts.concurrency ?? 8, async (info) => {
    const attrs = info.typedSearchAttributes;
    const target: BulkTarget = {
      workflowId: info.workflowId,
      runId: info.runId,
      workflowType: info.type,
      exceptionType: attrs.get(SA.exceptionType),
      storeId: attrs.get(SA.storeId),
      owner: attrs.get(SA.exceptionOwner),
      since: attrs.get(SA.exceptionSince)?.toISOString(),
      verdict: { kind: 'accepts' },
    };
    try {
      const status = await queryStatus(client, info.workflowId, info.runId, timeout);
      if (!status.exception) return { target, parked: false };
      const { type, owner, since } = status.exception;
      const refusal = validateResolution(resolution, status.exception);
      return {
        target: {
          ...target,
          exceptionType: type,
          owner,
          since,
          verdict: refusal ? ({ kind: 'refuses', reason: refusal } as const) : target.verdict,
          before: { resolutions: status.resolutions?.length ?? 0, lastRefusalAt: status.lastRefusal?.at },
        },
        parked: true,
      };
    } catch (err) {
      return { target: { ...target, verdict: { kind: 'unknown', problem: problemOf(err) } as const }, parked: true };
    }
  });
  return {
    query: full,
    resolution,
    targets: read.filter((r) => r.parked).map((r) => r.target),
    leftOut: read
      .filter((r) => !r.parked)
      .map(({ target }) => ({ workflowId: target.workflowId, runId: target.runId })),
    tooMany: false,
  };
}

/** The visibility query is not one the server accepts (a typo, an unknown search attribute). */
export class BulkQueryError extends Error {
  override readonly name = 'BulkQueryError';
}

/** Another batch job runs in the namespace, and the server runs only so many at once (one by default). */
export class BatchBusyError extends Error {
  override readonly name = 'BatchBusyError';
}

async function encodeResolution(client: Client, resolution: Resolution): Promise<Payload[]> {
  // What the SDK does for a signal's argument: the payload converter, then every codec (encryption).
  const converter = client.options.loadedDataConverter;
  let payloads = [converter.payloadConverter.toPayload(resolution)];
  for (const codec of converter.payloadCodecs) payloads = await codec.encode(payloads);
  return payloads;
}

/**
 * Starts one batch job that sends the `resolve` signal, encoded by the client's data converter,
 * to exactly the previewed executions (workflow and run id), never to what the query finds now:
 * what was confirmed is what is touched. Waits up to `busyWaitMs` for another batch job of the
 * namespace to finish first. Returns the job id.
 */
export async function startBulkResolve(
  client: Client,
  preview: BulkPreview,
  opts: { reason: string; busyWaitMs?: number; onBusy?: () => void },
): Promise<string> {
  if (preview.tooMany) throw new Error(`more than ${MAX_BULK} workflows match: narrow the query`);
  const jobId = `resolve-${preview.resolution.action}-${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
  const payloads = await encodeResolution(client, preview.resolution);
  const request = {
    namespace: client.options.namespace,
    jobId,
    reason: opts.reason,
    // `executions`, not `visibilityQuery` (nor `targetExecutions`, which servers before 1.30 do not read).
    executions: preview.targets.map((t) => ({ workflowId: t.workflowId, runId: t.runId })),
    signalOperation: { signal: resolveSignal.name, input: { payloads }, identity: client.options.identity },
  };
  const giveUpAt = Date.now() + (opts.busyWaitMs ?? 30_000);
  for (let told = false; ;) {
    try {
      await client.workflowService.startBatchOperation(request);
      return jobId;
    } catch (err) {
      if (!isGrpcServiceError(err) || err.code !== RESOURCE_EXHAUSTED) throw err;
      if (Date.now() > giveUpAt)
        throw new BatchBusyError(
          `another batch job is still running in namespace ${client.options.namespace}, and the server runs only so many at once ` +
            `(one by default): see \`temporal batch list -n ${client.options.namespace}\`, then run this again`,
        );
      if (!told) opts.onBusy?.();
      told = true;
      await sleep(1_000);
    }
  }
}

const BatchState = proto.temporal.api.enums.v1.BatchOperationState;

/** The job's progress, until it is no longer running: `onProgress` hears each change. */
export async function waitForBatch(
  client: Client,
  jobId: string,
  onProgress: (p: BatchProgress) => void,
  pollMs = 500,
): Promise<BatchProgress> {
  let last = '';
  for (;;) {
    const d = await client.workflowService.describeBatchOperation({ namespace: client.options.namespace, jobId });
    const progress: BatchProgress = {
      jobId,
      state:
        d.state === BatchState.BATCH_OPERATION_STATE_RUNNING
          ? 'running'
          : d.state === BatchState.BATCH_OPERATION_STATE_COMPLETED
            ? 'completed'
            : d.state === BatchState.BATCH_OPERATION_STATE_FAILED
              ? 'failed'
              : 'unknown',
      total: Number(d.totalOperationCount ?? 0),
      completed: Number(d.completeOperationCount ?? 0),
      failed: Number(d.failureOperationCount ?? 0),
      ...(d.startTime?.seconds != null ? { startedAt: new Date(Number(d.startTime.seconds) * 1000) } : {}),
    };
    const key = `${progress.state}:${progress.completed}:${progress.failed}:${progress.total}`;
    if (key !== last) onProgress(progress);
    last = key;
    if (progress.state !== 'running') return progress;
    await sleep(pollMs);
  }
}

/**
 * What each target did with the signal, read from its status: accepted (a resolution of ours is
 * in `resolutions`, added after the preview), refused (a `lastRefusal` of our input, recorded
 * after the preview), failed (it closed without taking it: the batch job counts a signal to a
 * closed workflow as done), or still pending at the deadline (its worker has not read it yet).
 */
export async function reportBulkResolve(
  client: Client,
  preview: BulkPreview,
  opts: BulkOptions & { deadlineMs?: number; pollMs?: number } = {},
): Promise<Map<BulkTarget, BulkOutcome>> {
  const deadline = Date.now() + (opts.deadlineMs ?? 60_000);
  const timeout = opts.queryTimeoutMs ?? 5_000;
  const ours = preview.resolution;
  const sameInput = (input: unknown) => JSON.stringify(input) === JSON.stringify(ours);
  const outcomes = new Map<BulkTarget, BulkOutcome>();

  async function check(target: BulkTarget): Promise<BulkOutcome | undefined> {
    let status: ParkedStatus;
    try {
      status = await queryStatus(client, target.workflowId, target.runId, timeout);
    } catch {
      return undefined; // no answer yet: asked again until the deadline
    }
    const from = target.before?.resolutions ?? 0;
    const accepted = (status.resolutions ?? [])
      .slice(from)
      .find(
        (r) =>
          r.via === 'signal' &&
          r.action === ours.action &&
          r.reason === ours.reason &&
          r.resolvedBy === ours.resolvedBy,
      );
    if (accepted) {
      const now = status.exception ? `parked again as ${status.exception.type}` : `now ${status.step}`;
      return { kind: 'accepted', now };
    }
    const refusal = status.lastRefusal;
    if (refusal && refusal.at !== target.before?.lastRefusalAt && sameInput(refusal.input))
      return { kind: 'refused', reason: refusal.reason };
    const described = await client.workflow
      .getHandle(target.workflowId, target.runId)
      .describe()
      .catch(() => undefined);
    if (described && described.status.name !== 'RUNNING')
      return { kind: 'failed', reason: `it closed (${described.status.name}) before the signal reached it` };
    return undefined;
  }

  let open = [...preview.targets];
  for (;;) {
    const checked = await mapLimit(open, opts.concurrency ?? 8, async (target) => ({
      target,
      out: await check(target),
    }));
    for (const { target, out } of checked) if (out) outcomes.set(target, out);
    open = open.filter((target) => !outcomes.has(target));
    if (open.length === 0 || Date.now() > deadline) break;
    await sleep(opts.pollMs ?? 250);
  }
  for (const target of open) outcomes.set(target, { kind: 'pending' });
  return outcomes;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
