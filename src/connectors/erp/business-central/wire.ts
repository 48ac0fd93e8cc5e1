import { PermanentError } from '../../http';
import type { ErpStockAdjustmentInput } from '../port';
import type { StockAdjustmentCreateBody } from './schemas';

/** Request-building rules shared by the client's calls: how BC stores codes and what it refuses. */
export const BUSINESS_CENTRAL = 'business-central';

/** AL Code fields are stored upper-cased and trimmed; filters must use the stored form to match. */
export function normaliseCode(value: string): string {
  return value.trim().toUpperCase();
}

/** An OData string literal: single quotes escaped by doubling. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Code[35]: normalised the way BC stores it; longer values could never match, so refuse them here. */
export function externalDocumentNumberOf(value: string): string {
  const ext = normaliseCode(value);
  if (!ext || ext.length > 35) {
    throw new PermanentError(`externalDocumentNumber '${ext}' must be 1-35 characters (Business Central Code[35])`, BUSINESS_CENTRAL, 0, 'InvalidExternalDocumentNumber');
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
    if (!Number.isFinite(l.quantity) || l.quantity === 0) refuse(`item ${l.itemNumber} has quantity ${l.quantity}; it must be a non-zero number`);
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
