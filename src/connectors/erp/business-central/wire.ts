import { formatCents, parseCents } from '../../../domain/money';
import { PermanentError } from '../../http';
import type { ErpCreditMemoInput, ErpStockAdjustmentInput } from '../port';
import type { StockAdjustmentCreateBody } from './schemas';

/** Request-building rules shared by the client's calls: how BC stores codes and what it refuses. */
export const BUSINESS_CENTRAL = 'business-central';

/** Cents as BC's JSON decimal: the same digits formatCents writes. */
export function bcAmount(cents: number): number {
  return Number(formatCents(cents));
}

/** BC's JSON decimal as cents; an amount off the cent is not one BC's rounding would give, so it is refused. */
export function bcCents(amount: number, what: string): number {
  const cents = parseCents(amount);
  if (cents === undefined)
    throw new PermanentError(
      `${BUSINESS_CENTRAL} sent ${what} ${amount}, which is not a whole number of cents`,
      BUSINESS_CENTRAL,
      200,
      'UnexpectedResponse',
    );
  return cents;
}

/** AL Code fields are stored upper-cased and trimmed; filters must use the stored form to match. */
export function normaliseCode(value: string): string {
  return value.trim().toUpperCase();
}

/**
 * API v2.0 carries enum values as OData member names: every character other than a letter, digit
 * or underscore is written `_xHHHH_`, so 'G/L Account' is 'G_x002F_L_x0020_Account' and the blank
 * option ' ' is '_x0020_'. The schemas decode what BC sends, so the rest of the code sees BC's
 * captions; request bodies encode what they send.
 */
export function decodeEnum(value: string): string {
  return value.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export function encodeEnum(caption: string): string {
  return caption.replace(/[^A-Za-z0-9_]/g, (c) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`);
}

/** An OData string literal: single quotes escaped by doubling. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Code[35]: normalised the way BC stores it; longer values could never match, so refuse them here. */
export function externalDocumentNumberOf(value: string): string {
  const ext = normaliseCode(value);
  if (!ext || ext.length > 35) {
    throw new PermanentError(
      `externalDocumentNumber '${ext}' must be 1-35 characters (Business Central Code[35])`,
      BUSINESS_CENTRAL,
      0,
      'InvalidExternalDocumentNumber',
    );
  }
  return ext;
}

/** Refuses locally what the extension would refuse, so a bad input costs no request. */
export function stockAdjustmentBody(input: ErpStockAdjustmentInput): StockAdjustmentCreateBody {
  const ext = externalDocumentNumberOf(input.externalDocumentNumber);
  const refuse = (why: string): never => {
    throw new PermanentError(`stock adjustment ${ext}: ${why}`, BUSINESS_CENTRAL, 0, 'InvalidStockAdjustment');
  };
  const locationCode = normaliseCode(input.locationCode);
  if (!locationCode) refuse('locationCode is empty');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.postingDate)) refuse(`postingDate '${input.postingDate}' is not YYYY-MM-DD`);
  if (input.lines.length === 0) refuse('it has no lines');
  for (const l of input.lines) {
    if (!Number.isFinite(l.quantity) || l.quantity === 0)
      refuse(`item ${l.itemNumber} has quantity ${l.quantity}; it must be a non-zero number`);
  }
  return {
    externalDocumentNumber: ext,
    postingDate: input.postingDate,
    locationCode,
    // Text[100] on the extension's table; the description is informational, so cut rather than refuse.
    ...(input.description !== undefined ? { description: input.description.slice(0, 100) } : {}),
    stockAdjustmentLines: input.lines.map((l) => ({ itemNumber: normaliseCode(l.itemNumber), quantity: l.quantity })),
  };
}

/**
 * Refuses locally what BC would refuse or silently get wrong. The description is checked rather
 * than cut: it carries the return id that callers look for before creating.
 */
export function checkCreditMemoInput(input: ErpCreditMemoInput): string {
  const ext = externalDocumentNumberOf(input.externalDocumentNumber);
  const refuse = (why: string): never => {
    throw new PermanentError(`credit memo ${ext}: ${why}`, BUSINESS_CENTRAL, 0, 'InvalidCreditMemo');
  };
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.creditMemoDate))
    refuse(`creditMemoDate '${input.creditMemoDate}' is not YYYY-MM-DD`);
  // BC accepts an empty draft but refuses to post it; never create one.
  if (input.lines.length === 0) refuse('it has no lines');
  for (const l of input.lines) {
    if (!Number.isFinite(l.quantity) || l.quantity <= 0)
      refuse(`item ${l.itemNumber} has quantity ${l.quantity}; returned units must be positive`);
    if (!Number.isSafeInteger(l.unitPriceCents) || l.unitPriceCents < 0)
      refuse(`item ${l.itemNumber} has unit price ${l.unitPriceCents} cents`);
    if (l.description.length > 100)
      refuse(`the description of item ${l.itemNumber} is longer than 100 characters (Business Central Text[100])`);
  }
  return ext;
}

/**
 * Statuses of a posted credit memo. Anything else, including a status BC adds later, counts as
 * not posted: a wrong guess then costs a refused post, never a return whose stock never came back.
 */
const POSTED_CREDIT_MEMO_STATUSES = new Set(['Open', 'Paid', 'Canceled', 'Corrective']);
export function isPostedCreditMemoStatus(status: string): boolean {
  return POSTED_CREDIT_MEMO_STATUSES.has(status);
}

/** salesInvoices also holds drafts; a posted invoice has the same statuses as a posted credit memo. */
export const isPostedInvoiceStatus = isPostedCreditMemoStatus;
