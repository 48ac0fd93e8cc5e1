import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { addDays, businessDayWindow, localDate, storeTimeZone } from '../domain/business-day';
import { EXCEPTION_TYPES, NEXT_ACTION, type ExceptionType } from '../domain/exceptions';
import type { Mapping, StoreLocation } from '../domain/mapping';
import {
  endOfDayStatusQuery,
  endOfDayWorkflowId,
  type ReconciliationGap,
  type ReconciliationReport,
} from '../workflows/end-of-day-contract';
import { SA } from '../workflows/search-attributes';
import { stockStatusQuery, stockSyncWorkflowId } from '../workflows/stock-contract';

/**
 * Per-store health for people who do not use a terminal (the ops page) and for those who do
 * (`npm run ops -- health`): what each store sold and sent today, what is parked there and whose
 * it is, how far web stock lags, and how its last day closed, each with a link into the Temporal
 * UI. Read from Temporal's visibility, a few queries and the receiver's own event counts.
 *
 * Visibility refuses `GROUP BY StoreId` (only ExecutionStatus groups), so the per-store figures
 * are one count per store, run a few at a time; everything that can be one list is one list: all
 * parked exceptions in one, every store's end-of-day workflow in a few `WorkflowId IN (...)`.
 */

/** What the receiver saw per Sitoo warehouse: the one place events are counted (Temporal sees starts and signals). */
export interface ReceivedEvents {
  /** Events for the warehouse received in [fromMs, toMs). */
  count(warehouseId: number, fromMs: number, toMs: number): number;
  /** When the last one arrived (ms), if any since `since`. */
  last(warehouseId: number): number | undefined;
  /** Counting started then (the receiver process's start): nothing earlier is known. */
  readonly since: number;
  /** Which receiver counted them (each replica counts what it took). */
  readonly receiver: string;
}

export interface ParkedWorkflow {
  workflowId: string;
  runId: string;
  /** ExceptionSince, when the workflow set it. */
  since?: string;
  link?: string;
}

/** The parked exceptions of one type and owner at one store. */
export interface ExceptionGroup {
  type: string;
  owner: string;
  count: number;
  /** The oldest ExceptionSince of the group; absent when none carries one ("age unknown"). */
  oldestSince?: string;
  /** What to do, in one line (domain/exceptions.ts NEXT_ACTION). */
  action: string;
  link?: string;
  /** The first few, oldest first. */
  workflows: ParkedWorkflow[];
}

export type EndOfDayState =
  | 'not-run'
  | 'running'
  | 'parked'
  | 'reconciled'
  | 'gaps-accepted'
  | 'failed'
  | 'terminated'
  | 'cancelled'
  | 'timed-out'
  | 'continued'
  | 'unknown';

export interface EndOfDayHealth {
  date: string;
  workflowId: string;
  state: EndOfDayState;
  /** What it is parked as, when parked (reconciliation-gap, erp-rejected, unmapped-warehouse). */
  exceptionType?: string;
  gapCount?: number;
  /** The first few gaps, as the report lists them. */
  gaps?: Array<Pick<ReconciliationGap, 'kind' | 'what'>>;
  /** Why the state is unknown (a query no worker answered in time). */
  problem?: string;
  link?: string;
}

export interface StockSyncHealth {
  state: 'in-sync' | 'catching-up' | 'not-started' | 'unknown';
  /** Seconds since the last flush finished, while changes wait (0 when in sync). */
  lagSeconds?: number;
  pendingTransactions?: number;
  pendingKeys?: number;
  lastFlushAt?: string;
  /** Refused work the coalescer holds and retries, across all locations. */
  held: number;
  problem?: string;
  link?: string;
}

export interface StoreHealth {
  storeId: string;
  name: string;
  timeZone: string;
  /** The business date the sales and events are counted for. */
  date: string;
  sales: { count: number; link?: string };
  /** Absent where no receiver counts (the CLI run on its own). */
  events?: { count: number; lastAt?: string };
  parked: number;
  exceptions: ExceptionGroup[];
  /** Refused stock work held at this store's location. */
  stockHeld: Array<{ part: string; exceptionType: string; message: string; since: string }>;
  endOfDay: EndOfDayHealth;
}

export interface HealthSnapshot {
  generatedAt: string;
  tookMs: number;
  namespace: string;
  accountId: number;
  /** The date asked for, or undefined: each store's own today. */
  date?: string;
  stock: StockSyncHealth;
  stores: StoreHealth[];
  /** Parked where no mapped store is: an unmapped warehouse, an event with no store. */
  elsewhere: Array<ExceptionGroup & { storeId?: string }>;
  events?: { since: string; receiver: string };
  temporalUi?: string;
}

export interface StoreHealthOptions {
  client: Client;
  namespace: string;
  accountId: number;
  mapping: () => Mapping;
  /** TEMPORAL_UI_URL: the UI's base (https://temporal.example.com); links are left out without it. */
  temporalUiUrl?: string;
  events?: ReceivedEvents;
  /** Visibility calls and queries in flight at once (default 16). */
  concurrency?: number;
  /** How long a query may wait for a worker's answer (default 3 s): a worker that is down must not hang the page. */
  queryTimeoutMs?: number;
  now?: () => number;
}

export interface HealthRequest {
  /** Only these stores (default all in the mapping). */
  stores?: string[];
  /** yyyy-mm-dd for every store; default each store's today in its own zone. */
  date?: string;
}

const LISTED_PER_GROUP = 10;
const LISTED_GAPS = 5;

export function createStoreHealth(opts: StoreHealthOptions) {
  const concurrency = opts.concurrency ?? 16;
  const queryTimeoutMs = opts.queryTimeoutMs ?? 3_000;
  const now = opts.now ?? Date.now;
  const ui = opts.temporalUiUrl?.replace(/\/+$/, '');
  const ns = encodeURIComponent(opts.namespace);
  const listLink = (query: string) => ui && `${ui}/namespaces/${ns}/workflows?query=${encodeURIComponent(query)}`;
  const workflowLink = (workflowId: string, runId: string, tab: 'history' | 'user-metadata' = 'history') =>
    ui && `${ui}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/${tab}`;
  // A closed day's report never changes: read once per run.
  const closedReports = new Map<string, ReconciliationReport | null>();

  const withDeadline = <T>(fn: () => Promise<T>) => opts.client.withDeadline(now() + queryTimeoutMs, fn);

  async function listAll(query: string): Promise<WorkflowExecutionInfo[]> {
    const out: WorkflowExecutionInfo[] = [];
    for await (const info of opts.client.workflow.list({ query, pageSize: 1000 })) out.push(info);
    return out;
  }

  async function parkedByStore(storeIds?: string[]): Promise<Map<string | undefined, WorkflowExecutionInfo[]>> {
    const byStore = new Map<string | undefined, WorkflowExecutionInfo[]>();
    const atStores = storeIds ? ` AND StoreId IN (${storeIds.map((id) => `"${id}"`).join(', ')})` : '';
    for (const info of await listAll(`ExceptionType IS NOT NULL AND ExecutionStatus = "Running"${atStores}`)) {
      const storeId = info.typedSearchAttributes.get(SA.storeId);
      (byStore.get(storeId) ?? byStore.set(storeId, []).get(storeId)!).push(info);
    }
    return byStore;
  }

  function groups(infos: WorkflowExecutionInfo[], scope: string): ExceptionGroup[] {
    const byKey = new Map<string, WorkflowExecutionInfo[]>();
    for (const info of infos) {
      const key = `${info.typedSearchAttributes.get(SA.exceptionType)}\u0000${info.typedSearchAttributes.get(SA.exceptionOwner) ?? ''}`;
      (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(info);
    }
    return [...byKey].map(([key, members]) => {
      const [type, owner] = key.split('\u0000') as [string, string];
      const parked = members
        .map((info) => ({ info, since: info.typedSearchAttributes.get(SA.exceptionSince)?.toISOString() }))
        .sort((a, b) => (a.since ?? '\uffff').localeCompare(b.since ?? '\uffff'));
      return {
        type,
        owner,
        count: members.length,
        ...(parked[0]?.since ? { oldestSince: parked[0].since } : {}),
        action: (EXCEPTION_TYPES as readonly string[]).includes(type)
          ? NEXT_ACTION[type as ExceptionType]
          : 'see the runbook',
        link: listLink(`${scope}ExceptionType = "${type}" AND ExecutionStatus = "Running"`),
        workflows: parked.slice(0, LISTED_PER_GROUP).map(({ info, since }) => ({
          workflowId: info.workflowId,
          runId: info.runId,
          ...(since ? { since } : {}),
          // The UI (2.42) shows a workflow's summary and current details only on this tab, not on
          // the page a workflow opens at: for a parked one they say what is wrong and what to do.
          link: workflowLink(info.workflowId, info.runId, 'user-metadata'),
        })),
      };
    });
  }

  async function stockSync(): Promise<StockSyncHealth & { heldParts: NonNullable<StockSyncHealthParts> }> {
    const workflowId = stockSyncWorkflowId(opts.accountId);
    const link = listLink(`WorkflowId = "${workflowId}"`);
    try {
      const status = await withDeadline(() => opts.client.workflow.getHandle(workflowId).query(stockStatusQuery));
      const waiting = status.pendingTransactions > 0 || status.pendingKeys > 0 || status.flushing;
      const lastFlushAt = status.lastFlush?.at;
      return {
        state: waiting ? 'catching-up' : 'in-sync',
        lagSeconds: waiting ? (lastFlushAt ? Math.max(0, (now() - Date.parse(lastFlushAt)) / 1000) : undefined) : 0,
        pendingTransactions: status.pendingTransactions,
        pendingKeys: status.pendingKeys,
        ...(lastFlushAt ? { lastFlushAt } : {}),
        held: status.held?.length ?? 0,
        link,
        heldParts: status.held ?? [],
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { state: 'not-started', held: 0, link, heldParts: [] };
      return { state: 'unknown', held: 0, problem: answerProblem(err, 'inventory'), link, heldParts: [] };
    }
  }

  async function endOfDay(
    store: StoreLocation,
    dates: string[],
    found: Map<string, WorkflowExecutionInfo>,
  ): Promise<EndOfDayHealth> {
    const date = dates.find((d) => found.has(endOfDayWorkflowId(store.storeId, d))) ?? dates[0]!;
    const workflowId = endOfDayWorkflowId(store.storeId, date);
    const info = found.get(workflowId);
    const base = { date, workflowId, link: listLink(`WorkflowId = "${workflowId}"`) };
    if (!info) return { ...base, state: 'not-run' };
    const withReport = (r: ReconciliationReport | undefined | null) =>
      r
        ? { gapCount: r.gapCount, gaps: r.gaps.slice(0, LISTED_GAPS).map((g) => ({ kind: g.kind, what: g.what })) }
        : {};
    const run = { ...base, link: workflowLink(workflowId, info.runId) };
    switch (info.status.name) {
      case 'RUNNING': {
        const exceptionType = info.typedSearchAttributes.get(SA.exceptionType);
        if (!exceptionType) return { ...run, state: 'running' };
        try {
          const status = await withDeadline(() =>
            opts.client.workflow.getHandle(workflowId, info.runId).query(endOfDayStatusQuery),
          );
          return { ...run, state: 'parked', exceptionType, ...withReport(status.report) };
        } catch (err) {
          return { ...run, state: 'parked', exceptionType, problem: answerProblem(err, 'main') };
        }
      }
      case 'COMPLETED': {
        let report = closedReports.get(info.runId);
        if (report === undefined) {
          report = await opts.client.workflow
            .getHandle(workflowId, info.runId)
            .result()
            .then((r: ReconciliationReport) => r)
            .catch(() => null);
          closedReports.set(info.runId, report);
        }
        // A closed day either reconciled or had its gaps accepted; `gaps` only while it is parked.
        const state = !report ? 'unknown' : report.status === 'reconciled' ? 'reconciled' : 'gaps-accepted';
        return { ...run, state, ...withReport(report) };
      }
      case 'FAILED':
        return { ...run, state: 'failed' };
      case 'TERMINATED':
        return { ...run, state: 'terminated' };
      case 'CANCELLED':
        return { ...run, state: 'cancelled' };
      case 'TIMED_OUT':
        return { ...run, state: 'timed-out' };
      case 'CONTINUED_AS_NEW':
        return { ...run, state: 'continued' };
      default:
        return { ...run, state: 'unknown' };
    }
  }

  async function endOfDayRuns(ids: string[]): Promise<Map<string, WorkflowExecutionInfo>> {
    const found = new Map<string, WorkflowExecutionInfo>();
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += 100) chunks.push(ids.slice(i, i + 100));
    await mapLimit(chunks, concurrency, async (chunk) => {
      const infos = await listAll(`WorkflowId IN (${chunk.map((id) => `"${id}"`).join(', ')})`);
      // Listed running first, then by close time, newest first: the first run of an id is its current one.
      for (const info of infos) if (!found.has(info.workflowId)) found.set(info.workflowId, info);
    });
    return found;
  }

  async function read(request: HealthRequest = {}): Promise<HealthSnapshot> {
    const started = now();
    const mapping = opts.mapping();
    const stores = request.stores ? mapping.stores.filter((s) => request.stores!.includes(s.storeId)) : mapping.stores;
    const nowSeconds = Math.floor(started / 1000);
    const daysOf = (store: StoreLocation) => {
      const zone = storeTimeZone({ timeZone: store.timeZone ?? mapping.timeZone });
      const date = request.date ?? localDate(nowSeconds, zone);
      // Today's close has not run before closing time: then the day before is the last one closed.
      return { zone, date, eodDates: request.date ? [date] : [date, addDays(date, -1)] };
    };
    const days = new Map(stores.map((s) => [s.storeId, daysOf(s)]));

    const [parked, stock, eodRuns, sales] = await Promise.all([
      parkedByStore(request.stores && stores.map((s) => s.storeId)),
      stockSync(),
      endOfDayRuns(stores.flatMap((s) => days.get(s.storeId)!.eodDates.map((d) => endOfDayWorkflowId(s.storeId, d)))),
      mapLimit(stores, concurrency, async (store) => {
        const { zone, date } = days.get(store.storeId)!;
        const window = businessDayWindow(date, zone);
        const query =
          `WorkflowType = "saleWorkflow" AND StoreId = "${store.storeId}"` +
          ` AND StartTime >= "${iso(window.from)}" AND StartTime < "${iso(window.to)}"`;
        return { count: (await opts.client.workflow.count(query)).count, link: listLink(query) };
      }),
    ]);
    const endOfDays = await mapLimit(stores, concurrency, (store) =>
      endOfDay(store, days.get(store.storeId)!.eodDates, eodRuns),
    );

    const mappedIds = new Set(mapping.stores.map((s) => s.storeId));
    const health = stores.map((store, i): StoreHealth => {
      const { zone, date } = days.get(store.storeId)!;
      const window = businessDayWindow(date, zone);
      const mine = parked.get(store.storeId) ?? [];
      const lastEvent = opts.events?.last(store.sitooWarehouseId);
      return {
        storeId: store.storeId,
        name: store.name,
        timeZone: zone,
        date,
        sales: sales[i]!,
        ...(opts.events
          ? {
              events: {
                count: opts.events.count(store.sitooWarehouseId, window.from * 1000, window.to * 1000),
                ...(lastEvent !== undefined ? { lastAt: new Date(lastEvent).toISOString() } : {}),
              },
            }
          : {}),
        parked: mine.length,
        exceptions: groups(mine, `StoreId = "${store.storeId}" AND `),
        stockHeld: stock.heldParts
          .filter((h) => {
            const where = h.part.slice(h.part.indexOf(':') + 1);
            return where === store.storeId || where.startsWith(`${store.storeId}/`);
          })
          .map((h) => ({ part: h.part, exceptionType: h.exceptionType, message: h.message, since: h.since })),
        endOfDay: endOfDays[i]!,
      };
    });
    const elsewhere = [...parked]
      .filter(([storeId]) => storeId === undefined || !mappedIds.has(storeId))
      .flatMap(([storeId, infos]) =>
        groups(infos, storeId === undefined ? 'StoreId IS NULL AND ' : `StoreId = "${storeId}" AND `).map((g) => ({
          ...g,
          ...(storeId !== undefined ? { storeId } : {}),
        })),
      );
    const { heldParts: _held, ...stockHealth } = stock;
    return {
      generatedAt: new Date(started).toISOString(),
      tookMs: now() - started,
      namespace: opts.namespace,
      accountId: opts.accountId,
      ...(request.date ? { date: request.date } : {}),
      stock: stockHealth,
      stores: health,
      elsewhere,
      ...(opts.events
        ? { events: { since: new Date(opts.events.since).toISOString(), receiver: opts.events.receiver } }
        : {}),
      ...(ui ? { temporalUi: ui } : {}),
    };
  }

  return { read };
}

type StockSyncHealthParts = Array<{ part: string; exceptionType: string; message: string; since: string }>;

export type StoreHealthReader = ReturnType<typeof createStoreHealth>;

/**
 * The reader behind a short cache, for the page: it may be open in many browsers and refreshes
 * itself, and one read of every store costs a visibility count per store (seconds with hundreds of
 * stores, docs/benchmarks.md). Every caller gets the last snapshot at once; one older than `ttlMs`
 * is read again in the background, one read at a time per request, so callers never wait for it
 * (the snapshot says when it was read). Only the first caller of a request waits for its first read.
 */
export function cachedStoreHealth(
  reader: StoreHealthReader,
  ttlMs: number,
  opts: { now?: () => number; onError?: (err: unknown) => void } = {},
) {
  const now = opts.now ?? Date.now;
  const entries = new Map<
    string,
    { at: number; used: number; snapshot?: HealthSnapshot; reading?: Promise<HealthSnapshot> }
  >();
  return {
    read(request: HealthRequest = {}): Promise<HealthSnapshot> {
      const key = JSON.stringify([request.date ?? null, request.stores ?? null]);
      const entry = entries.get(key) ?? entries.set(key, { at: 0, used: 0 }).get(key)!;
      entry.used = now();
      if ((!entry.snapshot || now() - entry.at >= ttlMs) && !entry.reading) {
        entry.reading = reader
          .read(request)
          .then((snapshot) => Object.assign(entry, { snapshot, at: now() }).snapshot!)
          .finally(() => (entry.reading = undefined));
        // Requests nobody asked for lately (another date, one store) are forgotten.
        for (const [k, e] of entries) if (now() - e.used > 20 * ttlMs && !e.reading) entries.delete(k);
      }
      if (!entry.snapshot) return entry.reading!;
      // A failed refresh keeps the last snapshot, which ages on the page until a read succeeds.
      entry.reading?.catch((err: unknown) => opts.onError?.(err));
      return Promise.resolve(entry.snapshot);
    },
  };
}

function iso(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString();
}

function answerProblem(err: unknown, worker: 'main' | 'inventory'): string {
  const message = err instanceof Error ? err.message : String(err);
  return /deadline/i.test(message)
    ? `no answer within the time allowed: is the ${worker} worker running?`
    : message.slice(0, 200);
}

/** `fn` over `items`, at most `limit` at a time, results in the items' order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(lanes);
  return out;
}
