import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ErpPort, ErpSalesDocument, ErpSalesOrderInput } from '../connectors/erp/port';
import { PermanentError } from '../connectors/http';
import { FAILURE_TYPES } from './failures';

export interface ErpOrderRef {
  id: string;
  number: string;
  posted: boolean;
}

/** The order document is the one to post; an invoice means it was already shipped and invoiced. */
function summarise(docs: ErpSalesDocument[]): ErpOrderRef | undefined {
  const invoice = docs.find((d) => d.kind === 'invoice');
  if (invoice) return { id: invoice.id, number: invoice.number, posted: true };
  const order = docs.find((d) => d.kind === 'order');
  return order ? { id: order.id, number: order.number, posted: false } : undefined;
}

/**
 * Exactly once across retries and lost responses: the ERP does not enforce unique external
 * document numbers, so look for ours first and create only when nothing carries it.
 */
export async function findOrCreateErpOrder(erp: ErpPort, input: ErpSalesOrderInput): Promise<ErpOrderRef> {
  const existing = await erp.findSalesDocuments(input.externalDocumentNumber);
  if (existing.length > 1) log.warn('ERP already holds several documents for one external document number', { externalDocumentNumber: input.externalDocumentNumber, count: existing.length });
  const found = summarise(existing);
  if (found) return found;
  const created = await erp.createSalesOrder(input);
  return { id: created.id, number: created.number, posted: false };
}

/** Ship and invoice: the goods have left the store, and posting moves stock out at the lines' location. */
export async function postErpOrder(erp: ErpPort, externalDocumentNumber: string): Promise<ErpOrderRef> {
  const before = summarise(await erp.findSalesDocuments(externalDocumentNumber));
  if (!before) throw ApplicationFailure.nonRetryable(`ERP has no sales order ${externalDocumentNumber} to post`, FAILURE_TYPES.erpRejected);
  if (before.posted) return before;
  try {
    await erp.shipAndInvoice(before.id);
  } catch (err) {
    // A lost response on an earlier attempt leaves the order already posted (and deleted by the ERP).
    if (!(err instanceof PermanentError && err.status === 404)) throw err;
  }
  const after = summarise(await erp.findSalesDocuments(externalDocumentNumber));
  if (!after?.posted) throw ApplicationFailure.retryable(`ERP order ${before.number} is not posted yet`, FAILURE_TYPES.transient);
  return after;
}
