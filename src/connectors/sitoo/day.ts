import { z } from 'zod';
import type { DayTransactionPage, ZReport } from '../../domain/end-of-day';
import { OrderState } from '../../domain/sale';
import { PermanentError } from '../http';
import { toDayTransaction, toZReport, type PaymentMethods } from './day-mapping';
import {
  cashRegisterSchema,
  DAY_ORDER_FIELDS,
  dayOrderSchema,
  envelopeSchema,
  posPaymentTypesSchema,
  siteSettingsSchema,
  zReportSchema,
} from './schemas';

type Query = Record<string, string | number | undefined>;
interface Opts {
  eshopId?: number;
  signal?: AbortSignal;
}
export type GetJson = <T>(
  path: string,
  query: Query,
  schema: z.ZodType<T>,
  opts: { signal?: AbortSignal },
) => Promise<T>;

export interface DayQuery {
  warehouseId: number;
  /** Unix seconds, [from, to). */
  from: number;
  to: number;
  /** Default 100, at most 500. */
  pageSize?: number;
  /** The last orderid already read (the previous page's nextCursor). */
  cursor?: number;
}

export interface ZReportQuery {
  eshopId?: number;
  /** Only this warehouse's registers (from the site's cash register list). */
  warehouseId?: number;
  /** Unix seconds, [from, to), on the time the register was closed (datecreated). */
  from: number;
  to: number;
  /** How long after closing a report may reach Sitoo (an offline register); default 3 days. */
  maxArrivalDelaySeconds?: number;
}

const SYSTEM = 'sitoo';
const DAY_PAGE = 100;
const MAX_DAY_PAGE = 500;
/** Documented cap of one `/pos-z-reports` answer. */
const Z_REPORT_MAX = 500;
const DEFAULT_ARRIVAL_DELAY_S = 3 * 24 * 3600;
/** Payment types and registers change rarely; a day read pages many times, so they are looked up once a while. */
const CATALOGUE_TTL_MS = 5 * 60_000;
const REGISTER_PAGE = 100;

/** What an end-of-day flow reads from Sitoo: the day's closed orders, its Z-reports, and the site's time zone. */
export class SitooDayReader {
  private readonly methods = new Map<number, { at: number; value: Promise<PaymentMethods> }>();
  private readonly registers = new Map<number, { at: number; value: Promise<Map<string, number | null>> }>();

  constructor(
    private readonly get: GetJson,
    private readonly eshopId: number,
    /** `/pos-z-reports` as documented; the other spelling is tried once on a 404 and kept. */
    private zReportsPath: '/pos-z-reports' | '/pos-z-reports.json' = '/pos-z-reports',
  ) {}

  /**
   * One page of the warehouse's closed orders dated in [from, to), ascending by orderid. Keyset
   * paging on `orderidfrom` rather than `start`: each page is one bounded query however deep into
   * the day it is, the cursor is a plain orderid that survives an activity retry, and an order
   * arriving mid-read (an offline till syncing) cannot shift the pages and repeat or skip one.
   * `orderdateto`'s inclusiveness is not documented, so the window is also enforced here.
   */
  async listDayTransactions(input: DayQuery, opts: Opts = {}): Promise<DayTransactionPage> {
    const num = input.pageSize ?? DAY_PAGE;
    if (!Number.isInteger(input.from) || !Number.isInteger(input.to) || input.from >= input.to)
      invalid(`day window must be whole Unix seconds with from < to, got [${input.from}, ${input.to})`);
    if (!Number.isInteger(num) || num < 1 || num > MAX_DAY_PAGE)
      invalid(`pageSize must be 1..${MAX_DAY_PAGE}, got ${num}`);
    const query: Query = {
      warehouseid: input.warehouseId,
      orderstate: OrderState.Closed,
      // Ordinary orders only: bookings (100) and parked carts (110) are not takings.
      ordertype: 10,
      orderdatefrom: input.from,
      orderdateto: input.to,
      orderidfrom: input.cursor !== undefined ? input.cursor + 1 : undefined,
      sort: 'orderid',
      start: 0,
      num,
      fields: DAY_ORDER_FIELDS.join(','),
    };
    const [page, methods] = await Promise.all([
      this.get('/orders.json', query, envelopeSchema(dayOrderSchema), opts),
      this.paymentMethods(opts),
    ]);
    const transactions = page.items
      .filter(
        (o) =>
          o.orderdate >= input.from &&
          o.orderdate < input.to &&
          (o.warehouseid === null || o.warehouseid === input.warehouseId),
      )
      .map((o) => toDayTransaction(o, input.warehouseId, methods));
    const last = page.items.at(-1);
    const more = last !== undefined && page.items.length === num && page.totalcount > num;
    return more ? { transactions, nextCursor: last.orderid } : { transactions };
  }

  /**
   * Z-reports of registers closed in [from, to). Sitoo filters only on arrival (`dateadded`,
   * inclusive, at most 500 ascending), so this pages on arrival from `from` to `to` plus the
   * allowed delay, drops the boundary repeats, and keeps those closed in the window.
   */
  async listZReports(input: ZReportQuery, opts: { signal?: AbortSignal } = {}): Promise<ZReport[]> {
    const eshopId = input.eshopId ?? this.eshopId;
    let registerIds: string[] | undefined;
    if (input.warehouseId !== undefined) {
      const registers = await this.registersOf(eshopId, opts);
      registerIds = [...registers].filter(([, w]) => w === input.warehouseId).map(([id]) => id);
      if (registerIds.length === 0) return [];
    }
    const addedTo = input.to + (input.maxArrivalDelaySeconds ?? DEFAULT_ARRIVAL_DELAY_S);
    const seen = new Set<string>();
    const kept: z.infer<typeof zReportSchema>[] = [];
    for (let addedFrom = input.from; ;) {
      const query = {
        eshopid: eshopId,
        registerid: registerIds?.join(','),
        dateaddedfrom: addedFrom,
        dateaddedto: addedTo,
      };
      const page = await this.zReportPage(query, opts);
      for (const r of page) {
        const key = `${r.registerid}#${r.zreportid}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (r.datecreated >= input.from && r.datecreated < input.to) kept.push(r);
      }
      if (page.length < Z_REPORT_MAX) break;
      const next = page.at(-1)!.dateadded;
      // 500 reports added in one second: re-asking from it returns the same page forever.
      if (next === addedFrom)
        throw new PermanentError(
          `${SYSTEM} has ${Z_REPORT_MAX}+ Z-reports added at ${next}; cannot page past them`,
          SYSTEM,
          200,
          'ZReportPageStuck',
        );
      addedFrom = next;
    }
    if (kept.length === 0) return [];
    const [methods, registers] = await Promise.all([
      this.paymentMethods({ ...opts, eshopId }),
      this.registersOf(eshopId, opts),
    ]);
    return kept.map((r) => toZReport(r, methods, registers.get(r.registerid) ?? undefined));
  }

  /** The site's IANA time zone (settings `timezone`); a missing or unknown zone is a PermanentError to fix in Sitoo. */
  async getSiteTimeZone(eshopId?: number, opts: { signal?: AbortSignal } = {}): Promise<string> {
    const site = eshopId ?? this.eshopId;
    const { timezone } = await this.get(
      `/sites/${site}/settings.json`,
      { fields: 'timezone' },
      siteSettingsSchema,
      opts,
    );
    if (!timezone)
      throw new PermanentError(`${SYSTEM} site ${site} has no time zone in its settings`, SYSTEM, 200, 'NoTimeZone');
    try {
      new Intl.DateTimeFormat('en', { timeZone: timezone });
    } catch {
      throw new PermanentError(
        `${SYSTEM} site ${site} has time zone ${JSON.stringify(timezone)}, which is not an IANA zone`,
        SYSTEM,
        200,
        'InvalidTimeZone',
      );
    }
    return timezone;
  }

  private async zReportPage(query: Query, opts: { signal?: AbortSignal }): Promise<z.infer<typeof zReportSchema>[]> {
    const schema = z.array(zReportSchema);
    try {
      return await this.get(this.zReportsPath, query, schema, opts);
    } catch (err) {
      if (!(err instanceof PermanentError && err.status === 404)) throw err;
      const other = this.zReportsPath === '/pos-z-reports' ? '/pos-z-reports.json' : '/pos-z-reports';
      const page = await this.get(other, query, schema, opts);
      this.zReportsPath = other;
      return page;
    }
  }

  private paymentMethods(opts: Opts): Promise<PaymentMethods> {
    const site = opts.eshopId ?? this.eshopId;
    return cached(this.methods, site, async () => {
      const types = await this.get(`/sites/${site}/pospaymenttypes.json`, {}, posPaymentTypesSchema, opts);
      return new Map(types.map((t) => [t.name, t.paymentmethodid]));
    });
  }

  /** registerid -> warehouseid, for every register of the site (registered or not). */
  private registersOf(site: number, opts: { signal?: AbortSignal }): Promise<Map<string, number | null>> {
    return cached(this.registers, site, async () => {
      const map = new Map<string, number | null>();
      for (let start = 0; ; start += REGISTER_PAGE) {
        const query = { includenotregistered: 'true', start, num: REGISTER_PAGE, fields: 'registerid,warehouseid' };
        const page = await this.get(
          `/sites/${site}/cashregisters.json`,
          query,
          envelopeSchema(cashRegisterSchema),
          opts,
        );
        for (const r of page.items) map.set(r.registerid, r.warehouseid);
        if (page.items.length < REGISTER_PAGE || start + page.items.length >= page.totalcount) return map;
      }
    });
  }
}

/** A look-up shared by concurrent callers and kept for a while; a failed one is forgotten so the next call retries. */
function cached<T>(
  store: Map<number, { at: number; value: Promise<T> }>,
  key: number,
  load: () => Promise<T>,
): Promise<T> {
  const hit = store.get(key);
  if (hit && Date.now() - hit.at < CATALOGUE_TTL_MS) return hit.value;
  const value = load();
  store.set(key, { at: Date.now(), value });
  value.catch(() => {
    if (store.get(key)?.value === value) store.delete(key);
  });
  return value;
}

function invalid(detail: string): never {
  throw new PermanentError(`invalid day query: ${detail}`, SYSTEM, 0, 'InvalidInput');
}
