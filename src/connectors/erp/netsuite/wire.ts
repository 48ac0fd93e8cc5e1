import { z } from 'zod';
import { formatCents, parseCents } from '../../../domain/money';
import { PermanentError } from '../../http';

/** Request-building rules the NetSuite client shares: external ids, amounts, error bodies, SuiteQL rows. */
export const NETSUITE = 'netsuite';

/** Codes are compared the way Business Central stores them, so a store mapped for one ERP maps the same for the other. */
export function normaliseCode(value: string): string {
  return value.trim().toUpperCase();
}

/**
 * The record types our keys live in, each with its own prefix: every transaction type shares one
 * external-id namespace (reference §9), so a sale and a return of the same business key must not
 * collide, and the integration's own prefix keeps clear of other connectors' ids (Stripe's, say).
 */
export const EXTERNAL_ID_PREFIX = {
  cashSale: 'CS',
  creditMemo: 'CM',
  cashRefund: 'CR',
  inventoryAdjustment: 'IA',
  journalEntry: 'JE',
} as const;
export type NsTransactionType = keyof typeof EXTERNAL_ID_PREFIX;

/**
 * A business key in NetSuite's external-id alphabet `[A-Za-z0-9_-]`, one to one: upper-cased (ids
 * are case-insensitive, and codes are compared upper-cased anyway), every other character,
 * `_` included, written `_HH` per UTF-8 byte. `_` is then never followed by `_`, which makes `__`
 * a safe separator between parts.
 */
export function externalIdPart(value: string): string {
  return [...Buffer.from(normaliseCode(value), 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Z0-9-]/.test(c) ? c : `_${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

export function externalIdOf(integrationPrefix: string, type: NsTransactionType, ...parts: string[]): string {
  if (!/^[A-Za-z0-9-]+$/.test(integrationPrefix))
    throw new PermanentError(
      `the NetSuite external id prefix '${integrationPrefix}' must be letters, digits and - only`,
      NETSUITE,
      0,
      'InvalidConfiguration',
    );
  return `${integrationPrefix}-${EXTERNAL_ID_PREFIX[type]}-${parts.map(externalIdPart).join('__')}`;
}

/** Cents as the JSON decimal NetSuite takes for currency fields. */
export function nsAmount(cents: number): number {
  return Number(formatCents(cents));
}

/** A currency value NetSuite sent (a number, or a string from SuiteQL) as cents; off the cent is refused. */
export function nsCents(value: number | string, what: string): number {
  const cents = parseCents(typeof value === 'string' ? value.replace(/^(-?)\./, '$10.') : value);
  if (cents === undefined)
    throw new PermanentError(
      `NetSuite sent ${what} ${value}, which is not a whole number of cents`,
      NETSUITE,
      200,
      'UnexpectedResponse',
    );
  return cents;
}

export const errorSchema = z.object({
  title: z.string().optional(),
  'o:errorDetails': z
    .array(z.object({ detail: z.string(), 'o:errorCode': z.string().optional(), 'o:errorPath': z.string().optional() }))
    .optional(),
});

/** NetSuite's reason, its error path when it names one, and its code: what an operator needs to fix a refusal. */
export function errorDetail(text: string): { code?: string; message?: string } {
  try {
    const parsed = errorSchema.safeParse(JSON.parse(text));
    const first = parsed.success ? parsed.data['o:errorDetails']?.[0] : undefined;
    if (first)
      return {
        code: first['o:errorCode'],
        message: `${first.detail}${first['o:errorPath'] ? ` (at ${first['o:errorPath']})` : ''}`,
      };
  } catch {
    // not JSON: a gateway page
  }
  return { message: text.slice(0, 200) };
}

/** SuiteQL pages: values are strings, column names lower case, empty values absent. */
export const suiteqlPageSchema = <T extends z.ZodType>(row: T) =>
  z.object({ hasMore: z.boolean(), totalResults: z.number().optional(), items: z.array(row) });

export const transactionRowSchema = z.object({
  id: z.string(),
  recordtype: z.string(),
  tranid: z.string().optional(),
  externalid: z.string().optional(),
  otherrefnum: z.string().optional(),
  trandate: z.string(),
  foreigntotal: z.string(),
  customer: z.string().optional(),
});
export type TransactionRow = z.infer<typeof transactionRowSchema>;

const refSchema = z.object({ id: z.string(), refName: z.string().optional() });

/** A credit memo or cash refund as the record service returns it with `expandSubResources=true`. */
export const returnRecordSchema = z.object({
  id: z.string(),
  tranId: z.string().optional(),
  externalId: z.string().optional(),
  otherRefNum: z.string().optional(),
  entity: refSchema,
  total: z.number(),
  item: z.object({
    items: z.array(
      z.object({
        item: refSchema,
        quantity: z.number(),
        grossAmt: z.number().optional(),
        location: refSchema.optional(),
        description: z.string().optional(),
      }),
    ),
  }),
});
export type ReturnRecord = z.infer<typeof returnRecordSchema>;
