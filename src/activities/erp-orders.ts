import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ErpPort, ErpSalesDocument, ErpSalesOrderInput, ErpSalesOrderLine } from '../connectors/erp/port';
import { PermanentError } from '../connectors/http';
import { formatCents } from '../domain/money';
import { attemptSignal, isLaterAttempt, KeyedLock } from './attempt';
import { FAILURE_TYPES } from './failures';

export interface ErpOrderRef {
  id: string;
  number: string;
  posted: boolean;
  /** Twins of this document found and taken back while it was written (see settleOrders). */
  twinsRemoved?: number;
  /**
   * This write needed more than one attempt, so an earlier attempt's create may still be queued in
   * the ERP and commit later: the caller sweeps for a twin once the ERP can no longer commit it.
   */
  lateTwinPossible?: boolean;
}

/** Where a sales order is looked for: its business key within one customer (BC's duplicate scope too). */
export interface ErpOrderKey {
  externalDocumentNumber: string;
  customerNumber?: string;
}

/**
 * One ERP write per business key at a time in this worker process (orders, credit memos and stock
 * adjustments share it, their keys never collide): a retry landing beside the attempt it replaces
 * waits for it, then finds what it wrote.
 */
export const erpWrites = new KeyedLock();

/** Document numbers come from a number series: shorter is older, then by text. */
export function byNumber(a: { number: string }, b: { number: string }): number {
  return a.number.length - b.number.length || (a.number < b.number ? -1 : a.number > b.number ? 1 : 0);
}

const refOf = (d: ErpSalesDocument): ErpOrderRef => ({ id: d.id, number: d.number, posted: d.kind === 'invoice' });

/**
 * The documents carrying one business key, reduced to the one that counts. The ERP does not keep
 * external document numbers unique, and a create committed after its client gave up (or sent by
 * an attempt that outlived its timeout) leaves a second open order beside the first. Every
 * attempt settles on the same survivor - the posted invoice, else the oldest open order - and
 * deletes the other open orders, so two attempts settling at once agree. Two posted invoices are
 * a sale booked twice: only finance can reverse one, so that refuses.
 */
export async function settleOrders(
  erp: ErpPort,
  key: ErpOrderKey,
  signal?: AbortSignal,
): Promise<{ ref?: ErpOrderRef; doc?: ErpSalesDocument; removed: number }> {
  const docs = await erp.findSalesDocuments(key.externalDocumentNumber, { signal, customerNumber: key.customerNumber });
  const invoices = docs.filter((d) => d.kind === 'invoice').sort(byNumber);
  if (invoices.length > 1) {
    throw ApplicationFailure.nonRetryable(
      `the ERP holds ${invoices.length} posted invoices for ${key.externalDocumentNumber} (${invoices.map((i) => i.number).join(', ')}): the sale was booked more than once; cancel all but ${invoices[0]!.number} in the ERP (a corrective credit memo), then retry`,
      FAILURE_TYPES.erpRejected,
      { externalDocumentNumber: key.externalDocumentNumber, invoices: invoices.map((i) => i.number) },
    );
  }
  const orders = docs.filter((d) => d.kind === 'order').sort(byNumber);
  const keep = invoices[0] ?? orders[0];
  const twins = orders.filter((o) => o !== keep);
  for (const twin of twins) await erp.deleteSalesOrder(twin.id, { signal });
  if (twins.length) {
    log.warn('took back twin ERP orders of one business key', {
      externalDocumentNumber: key.externalDocumentNumber,
      kept: keep?.number,
      deleted: twins.map((t) => t.number),
    });
  }
  return { ref: keep && refOf(keep), doc: keep, removed: twins.length };
}

/** What the lines come to including VAT, as the ERP computes it with prices including VAT. */
function expectedTotalCents(input: ErpSalesOrderInput): number {
  return input.lines.reduce((n, l) => n + l.quantity * l.unitPriceCents - (l.discountCents ?? 0), 0);
}

/**
 * The ERP must book what the till took. An order it prices otherwise (an invoice discount on the
 * customer card, say) is deleted, because a retry would find it and post it, and refused.
 */
async function checkBooksWhatWasSold(
  erp: ErpPort,
  doc: ErpSalesDocument,
  input: ErpSalesOrderInput,
  signal?: AbortSignal,
): Promise<void> {
  const expected = expectedTotalCents(input);
  if (doc.totalCents === expected) return;
  await erp.deleteSalesOrder(doc.id, { signal });
  throw new PermanentError(
    `the ERP computed ${formatCents(doc.totalCents)} for order ${input.externalDocumentNumber} where the lines come to ${formatCents(expected)}; check customer ${input.customerNumber}'s card (invoice discounts, prices including VAT) and retry`,
    'erp',
    0,
    'ErpTotalDiffers',
  );
}

/** A sale's planned lines as ERP order lines, each at the store's ERP location. */
export function erpOrderLines(
  lines: ReadonlyArray<{ sku: string; quantity: number; unitPriceCents: number; discountCents: number }>,
  locationCode: string,
): ErpSalesOrderLine[] {
  return lines.map((l) => ({
    itemNumber: l.sku,
    quantity: l.quantity,
    unitPriceCents: l.unitPriceCents,
    discountCents: l.discountCents,
    locationCode,
  }));
}

/**
 * Exactly once in effect: look for the key, create only when nothing carries it, check that the
 * ERP books what was sold, and look again, because a create that an earlier attempt sent may land
 * at any time. A create this attempt cannot vouch for being alone is flagged `lateTwinPossible`.
 */
export async function findOrCreateErpOrder(
  erp: ErpPort,
  input: ErpSalesOrderInput,
  writes: KeyedLock = erpWrites,
): Promise<ErpOrderRef> {
  const signal = attemptSignal();
  const key = { externalDocumentNumber: input.externalDocumentNumber, customerNumber: input.customerNumber };
  return writes.run(
    `order:${input.externalDocumentNumber}`,
    async () => {
      const lateTwinPossible = isLaterAttempt();
      const before = await settleOrders(erp, key, signal);
      if (before.doc) {
        // An open order an earlier attempt left is checked like a new one: it is about to be posted.
        if (before.doc.kind === 'order') await checkBooksWhatWasSold(erp, before.doc, input, signal);
        return { ...before.ref!, twinsRemoved: before.removed, lateTwinPossible };
      }
      const created = await erp.createSalesOrder(input, { signal });
      await checkBooksWhatWasSold(erp, created, input, signal);
      const after = await settleOrders(erp, key, signal);
      return { ...(after.ref ?? refOf(created)), twinsRemoved: before.removed + after.removed, lateTwinPossible };
    },
    signal,
  );
}

/** Ship and invoice: the goods have left the store, and posting moves stock out at the lines' location. */
export async function postErpOrder(erp: ErpPort, k: ErpOrderKey): Promise<ErpOrderRef> {
  const signal = attemptSignal();
  return erpWrites.run(
    `order:${k.externalDocumentNumber}`,
    async () => {
      const before = (await settleOrders(erp, k, signal)).ref;
      if (!before)
        throw ApplicationFailure.nonRetryable(
          `ERP has no sales order ${k.externalDocumentNumber} to post`,
          FAILURE_TYPES.erpRejected,
        );
      if (before.posted) return before;
      try {
        await erp.shipAndInvoice(before.id, { signal });
      } catch (err) {
        // A lost response on an earlier attempt leaves the order already posted (and deleted by the ERP).
        if (!(err instanceof PermanentError && err.status === 404)) throw err;
      }
      const after = (await settleOrders(erp, k, signal)).ref;
      if (!after?.posted)
        throw ApplicationFailure.retryable(`ERP order ${before.number} is not posted yet`, FAILURE_TYPES.transient);
      return after;
    },
    signal,
  );
}

/**
 * The late-twin sweep: run once the ERP can no longer commit a create an earlier attempt sent
 * (the caller waits that long), it takes back any open order beside the posted one.
 */
export async function sweepErpOrderTwins(erp: ErpPort, key: ErpOrderKey): Promise<number> {
  const signal = attemptSignal();
  return erpWrites.run(
    `order:${key.externalDocumentNumber}`,
    async () => (await settleOrders(erp, key, signal)).removed,
    signal,
  );
}
