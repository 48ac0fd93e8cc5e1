import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import type { Payout, SettlementLine } from '../../../domain/payout';
import {
  PermanentError,
  TransientError,
  parseBody,
  parseRetryAfter,
  send,
  throwForStatus,
  type HttpCall,
  type HttpResponse,
} from '../../http';
import type { PayoutCallOptions, PayoutPort, PayoutRange } from '../port';
import { DEFAULT_METADATA_KEYS, STRIPE, toPayout, toSettlementLine, utcDayStart, type MetadataKeys } from './mapping';
import { balanceTransactionSchema, listSchema, payoutSchema, stripeErrorSchema } from './schemas';

export { STRIPE, DEFAULT_METADATA_KEYS, type MetadataKeys } from './mapping';

export const STRIPE_API_URL = 'https://api.stripe.com';
/** Pinned so a dashboard upgrade of the account's default version cannot change the shapes we parse. */
export const DEFAULT_STRIPE_VERSION = '2024-06-20';
const MAX_PAGES = 10_000;
const PAYOUT_ID = /^po_[A-Za-z0-9]+$/;

export interface StripePayoutClientOptions {
  /** A secret key, or better a restricted key with read access to balance and payouts. */
  secretKey: string;
  /** Default https://api.stripe.com; the simulator's url in tests. */
  baseUrl?: string;
  apiVersion?: string;
  /** Rows per list request, 1-100 (default 100: fewest requests against a 25/s limit). */
  pageSize?: number;
  metadataKeys?: Partial<MetadataKeys>;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

export class StripePayoutClient implements PayoutPort {
  private readonly base: string;
  private readonly pageSize: number;
  private readonly keys: MetadataKeys;

  constructor(private readonly opts: StripePayoutClientOptions) {
    const pageSize = opts.pageSize ?? 100;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
      throw new PermanentError(
        `Stripe pageSize must be an integer from 1 to 100, got ${pageSize}`,
        STRIPE,
        0,
        'InvalidConfiguration',
      );
    }
    if (!opts.secretKey) throw new PermanentError('Stripe secretKey is empty', STRIPE, 0, 'InvalidConfiguration');
    this.pageSize = pageSize;
    this.base = (opts.baseUrl ?? STRIPE_API_URL).replace(/\/+$/, '');
    this.keys = { ...DEFAULT_METADATA_KEYS, ...opts.metadataKeys };
  }

  /**
   * Only `paid` automatic payouts count as arrived: pending and in_transit money is not on the bank
   * account yet, failed or canceled never will be, and a manual payout is not linked to the
   * transactions it drained, so Stripe cannot break it down and it cannot be reconciled line by line.
   */
  async listPayouts(range: PayoutRange, opts: PayoutCallOptions = {}): Promise<Payout[]> {
    const from = utcDayStart(range.arrivalFrom, 'arrivalFrom');
    const to = utcDayStart(range.arrivalTo, 'arrivalTo');
    if (to <= from)
      throw new PermanentError(
        `arrivalTo ${range.arrivalTo} must be after arrivalFrom ${range.arrivalFrom}`,
        STRIPE,
        0,
        'InvalidRange',
      );
    const query = new URLSearchParams({
      'arrival_date[gte]': String(from),
      'arrival_date[lt]': String(to),
      status: 'paid',
    });
    const rows = await this.list('/v1/payouts', query, payoutSchema, opts.signal);
    return rows
      .filter((p) => p.automatic && p.status === 'paid')
      .map(toPayout)
      .sort(
        (a, b) =>
          a.arrivalDate.localeCompare(b.arrivalDate) ||
          a.createdAt.localeCompare(b.createdAt) ||
          a.id.localeCompare(b.id),
      );
  }

  async listSettlementLines(payoutId: string, opts: PayoutCallOptions = {}): Promise<SettlementLine[]> {
    if (!PAYOUT_ID.test(payoutId))
      throw new PermanentError(`'${payoutId}' is not a Stripe payout id (po_...)`, STRIPE, 0, 'InvalidId');
    const payout = await this.getJson(`/v1/payouts/${payoutId}`, new URLSearchParams(), payoutSchema, opts.signal);
    if (!payout.automatic) {
      throw new PermanentError(
        `Stripe payout ${payoutId} is manual; Stripe cannot list the transactions behind it`,
        STRIPE,
        0,
        'ManualPayout',
      );
    }
    // Stripe only guarantees the component list once reconciliation completes; a partial list would
    // show a gap that is not real, so wait and retry instead.
    if (payout.reconciliation_status === 'in_progress') {
      throw new TransientError(
        `Stripe payout ${payoutId} is still being reconciled; its transactions are not final yet`,
        STRIPE,
      );
    }
    const query = new URLSearchParams({ payout: payoutId });
    query.append('expand[]', 'data.source');
    const rows = await this.list('/v1/balance_transactions', query, balanceTransactionSchema, opts.signal);
    // Stripe lists newest first; reconciliation reads oldest first.
    return rows.reverse().map((t) => toSettlementLine(t, payoutId, this.keys));
  }

  /** Follows `starting_after` cursors until `has_more` is false. */
  private async list<T extends z.ZodType<{ id: string }>>(
    path: string,
    query: URLSearchParams,
    item: T,
    signal?: AbortSignal,
  ): Promise<z.output<T>[]> {
    const schema = listSchema(item);
    const rows: z.output<T>[] = [];
    let after: string | undefined;
    for (let page = 0; ; page++) {
      if (page >= MAX_PAGES)
        throw new PermanentError(
          `Stripe kept answering has_more for ${path} after ${MAX_PAGES} pages`,
          STRIPE,
          200,
          'PagingLoop',
        );
      const q = new URLSearchParams(query);
      q.set('limit', String(this.pageSize));
      if (after) q.set('starting_after', after);
      const body = await this.getJson(path, q, schema, signal);
      const data = body.data as z.output<T>[];
      rows.push(...data);
      if (!body.has_more) return rows;
      const last = data.at(-1)?.id;
      if (!last || last === after)
        throw new PermanentError(
          `Stripe answered has_more for ${path} without advancing the cursor`,
          STRIPE,
          200,
          'PagingLoop',
        );
      after = last;
    }
  }

  private async getJson<T>(
    path: string,
    query: URLSearchParams,
    schema: z.ZodType<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const qs = query.toString();
    const call: HttpCall = {
      system: STRIPE,
      method: 'GET',
      url: `${this.base}${path}${qs ? `?${qs}` : ''}`,
      headers: {
        authorization: `Bearer ${this.opts.secretKey}`,
        'stripe-version': this.opts.apiVersion ?? DEFAULT_STRIPE_VERSION,
      },
      timeoutMs: this.opts.timeoutMs,
      signal,
      dispatcher: this.opts.dispatcher,
    };
    const res = await send(call);
    if (res.status !== 200) this.fail(call, res);
    return parseBody(STRIPE, res.text, schema);
  }

  private fail(call: HttpCall, res: HttpResponse): never {
    let detail: { code?: string; message?: string } = {};
    try {
      const parsed = stripeErrorSchema.safeParse(JSON.parse(res.text));
      if (parsed.success) {
        const e = parsed.data.error;
        detail = {
          code: e.code ?? e.type,
          message: this.redact(`${e.message ?? e.type}${e.param ? ` (param: ${e.param})` : ''}`),
        };
      }
    } catch {
      detail = { message: this.redact(res.text.slice(0, 200)) };
    }
    // Stripe says when a refusal is worth retrying (e.g. a 409 lock timeout); its SDKs obey the header.
    if (res.headers['stripe-should-retry'] === 'true' && res.status < 500 && res.status !== 429) {
      throw new TransientError(
        `${STRIPE} GET ${call.url} -> ${res.status}: ${detail.message ?? ''}`,
        STRIPE,
        res.status,
        parseRetryAfter(res.headers['retry-after']),
      );
    }
    throwForStatus(call, res, detail);
  }

  /** The key must never reach a log line, even if a proxy echoes the Authorization header back. */
  private redact(text: string): string {
    return text.split(this.opts.secretKey).join('[redacted]');
  }
}
