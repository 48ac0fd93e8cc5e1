import { ApplicationFailure } from '@temporalio/common';
import type { EcommercePort } from '../connectors/ecommerce/port';
import type { ErpPort } from '../connectors/erp/port';
import { legacySitooOrderErpDocumentNumber, returnLineDescription, webOrderErpDocumentNumber } from '../domain/ids';
import { UNKNOWN_STORE, type Mapping, type StoreLocation } from '../domain/mapping';
import {
  creditMemoLineWithCents,
  type CreditMemoLine,
  type RefundTransaction,
  type WebRefund,
} from '../domain/returns';
import { bookCreditMemo, sweepCreditMemoTwins, type CreditMemoKey } from './erp-credit-memos';
import { callOrFail, FAILURE_TYPES } from './failures';

export interface ReturnActivityDeps {
  erp: ErpPort;
  ecommerce: EcommercePort;
  mapping: () => Mapping;
}

/** A web line refunded: its returned units and what the customer paid for them. */
export interface RefundedLine {
  lineItemId: string;
  sku: string;
  quantity: number;
  amountCents: number;
}

/** Money back on the web and the return in the ERP: each exactly once, whatever is retried. */
/** Which return's memo: the web order it refunds (absent for a store sale's refund), the refund order, the store. */
export interface ReturnMemoRef {
  webOrderId?: string;
  sitooOrderId: number;
  storeId: string;
}

export function createReturnActivities(deps: ReturnActivityDeps) {
  /**
   * A web order's returns go under the web order's key; a store refund's memo is found by its
   * return line description within the store's customer, so its key may stay the bare order id.
   */
  const memoKey = (input: ReturnMemoRef): { key: CreditMemoKey; store: StoreLocation } => {
    const store = deps.mapping().stores.find((s) => s.storeId === input.storeId);
    if (!store)
      throw ApplicationFailure.nonRetryable(
        `store ${input.storeId}, which took return ${input.sitooOrderId} back, is no longer in the mapping`,
        UNKNOWN_STORE,
      );
    const externalDocumentNumber =
      input.webOrderId !== undefined
        ? webOrderErpDocumentNumber(input.webOrderId)
        : legacySitooOrderErpDocumentNumber(input.sitooOrderId);
    return {
      key: {
        externalDocumentNumber,
        customerNumber: store.erpCustomerNumber,
        description: returnLineDescription(input.sitooOrderId),
      },
      store,
    };
  };

  return {
    /**
     * Refunds exactly these lines against the original web order, and exactly these amounts to
     * its payments, without restocking the web warehouse (the goods are back in a store, whose
     * stock Sitoo masters). The workflow planned the amounts from the order it read, so a retry
     * after a lost response sends the same input under the same key and gets the first refund
     * back instead of paying twice.
     */
    async refundWebLines(input: {
      webOrderId: string;
      lines: RefundedLine[];
      transactions: RefundTransaction[];
      idempotencyKey: string;
      note: string;
    }): Promise<WebRefund> {
      return callOrFail(FAILURE_TYPES.ecommerceRejected, () =>
        deps.ecommerce.refundLines({
          orderId: input.webOrderId,
          lines: input.lines.map((l) => ({ lineItemId: l.lineItemId, quantity: l.quantity })),
          transactions: input.transactions,
          restockType: 'NO_RESTOCK',
          note: input.note,
          idempotencyKey: input.idempotencyKey,
        }),
      );
    },

    /**
     * A posted credit memo at the store that took the goods back. A web order's return goes under
     * the web order's ERP document number; a store sale's refund (no `webOrderId`) under its own
     * Sitoo order id, as the sale's invoice went under the sale's. Looked up first by that number
     * and this return's line description.
     */
    async bookReturnInErp(
      input: ReturnMemoRef & { lines: CreditMemoLine[]; returnedOn: string },
    ): Promise<{ number: string; lateTwinPossible?: boolean }> {
      const { key, store } = memoKey(input);
      return callOrFail(FAILURE_TYPES.erpRejected, async () => {
        const { number, lateTwinPossible } = await bookCreditMemo(deps.erp, key, {
          externalDocumentNumber: key.externalDocumentNumber,
          customerNumber: key.customerNumber,
          creditMemoDate: input.returnedOn,
          // Inputs scheduled before money was cents carry string prices: see creditMemoLineWithCents.
          lines: input.lines.map(creditMemoLineWithCents).map((l) => ({
            itemNumber: l.sku,
            quantity: l.quantity,
            unitPriceCents: l.unitPriceCents,
            locationCode: store.erpLocationCode,
            description: key.description,
          })),
        });
        return { number, ...(lateTwinPossible ? { lateTwinPossible } : {}) };
      });
    },

    /** Once no late create can land, takes back draft memos of this return beside the posted one. */
    async sweepReturnTwins(input: ReturnMemoRef): Promise<number> {
      const { key } = memoKey(input);
      return callOrFail(FAILURE_TYPES.erpRejected, () => sweepCreditMemoTwins(deps.erp, key));
    },
  };
}

export type ReturnActivities = ReturnType<typeof createReturnActivities>;
