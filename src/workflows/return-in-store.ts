import {
  ApplicationFailure,
  patched,
  proxyActivities,
  setWorkflowOptions,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ClickAndCollectActivities } from '../activities/click-and-collect-activities';
import type { ReturnActivities } from '../activities/return-activities';
import type { SaleActivities } from '../activities/sale-activities';
import { businessDate } from '../domain/business-day';
import { formatCents } from '../domain/money';
import {
  creditMemoLines,
  hasPaidAmounts,
  parseReturnReference,
  planRefund,
  returnedLines,
  storeRefundLines,
  webOrderIdOf,
  webRefundWithCents,
  type RefundPlan,
} from '../domain/returns';
import { UNKNOWN_STORE, type StoreLocation } from '../domain/mapping';
import { saleOrderWithCents, type SaleOrder } from '../domain/sale';
import { webOrderWithCents, type WebOrder } from '../domain/web-order';
import { ERP_WRITE, OUTSIDE_CALL, summarised } from './activity-options';
import { installParking, untilAccepted } from './parking';
import {
  returnStatusQuery,
  type ReturnInStoreInput,
  type ReturnResult,
  type ReturnStatus,
} from './return-in-store-contract';
import { SA } from './search-attributes';
import { erpLateCommitWindowMs, InvalidDurationError } from '../domain/duration';

const sale = summarised(proxyActivities<SaleActivities>(OUTSIDE_CALL), {
  readSitooOrder: ({ orderId }) => `Read Sitoo order ${orderId}`,
  resolveStoreLocation: ({ warehouseId }) => `Find the store of Sitoo warehouse ${warehouseId}`,
});
const web = summarised(proxyActivities<Pick<ClickAndCollectActivities, 'readWebOrder'>>(OUTSIDE_CALL), {
  readWebOrder: ({ webOrderId }) => `Read web order ${webOrderId}`,
});
const returns = summarised(proxyActivities<ReturnActivities>(ERP_WRITE), {
  refundWebLines: ({ webOrderId, lines }) => `Refund ${lines.length} line(s) of web order ${webOrderId}`,
  bookReturnInErp: ({ webOrderId, sitooOrderId, storeId }) =>
    `Book the credit memo of return ${sitooOrderId}${webOrderId ? ` (web order ${webOrderId})` : ''} at ${storeId}`,
  sweepReturnTwins: ({ sitooOrderId }) => `Take back late twins of the credit memo of return ${sitooOrderId}`,
});

setWorkflowOptions({ failureExceptionTypes: [InvalidDurationError] }, returnInStoreWorkflow);

/**
 * Bought online, returned in a store: the web order is refunded for exactly what came back (never
 * more than was bought, however many returns there are), and the ERP gets a credit memo at the
 * store that took the goods. The goods themselves are already back in the store's Sitoo stock,
 * and web availability follows from there through the stock flow.
 */
export async function returnInStoreWorkflow(input: ReturnInStoreInput): Promise<ReturnResult> {
  const status: ReturnStatus = {
    sitooOrderId: input.sitooOrderId,
    step: 'reading-return',
    returned: [],
    resolutions: [],
  };
  const parking = installParking({
    status,
    statusQuery: returnStatusQuery,
    skipEnds: true,
    refusalActions: ['retry', 'skip'],
  });
  const { park, orPark } = parking;
  upsertSearchAttributes([{ key: SA.sitooOrderId, value: String(input.sitooOrderId) }]);

  return parking.run(run, (skipped) => ({
    outcome: 'skipped',
    sitooOrderId: input.sitooOrderId,
    webOrderId: status.webOrderId,
    reason: skipped.message,
  }));

  async function run(): Promise<ReturnResult> {
    let refund = await readSitoo(input.sitooOrderId);
    while (!refund) {
      // Failed the workflow before; now it parks like every other flow, and a retry reads again.
      if (!patched('return-parks-missing-order'))
        throw ApplicationFailure.nonRetryable(`Sitoo has no order ${input.sitooOrderId}`);
      await park(
        'order-not-found',
        `Sitoo has no order ${input.sitooOrderId}, which was announced as a return`,
        { sitooOrderId: input.sitooOrderId },
        ['retry', 'skip'],
      );
      refund = await readSitoo(input.sitooOrderId);
    }
    status.returned = returnedLines(refund);
    const store = await sale.resolveStoreLocation({ warehouseId: refund.warehouseId });
    status.storeId = store?.storeId;
    if (store) parking.atStore(store.storeId, store.name);

    status.step = 'finding-original';
    const found = await findWebOrder(refund);
    // Store refunds were left to the day journal before; books closed per document since this patch.
    if (!found && !patched('book-store-refunds'))
      return {
        outcome: 'not-a-web-order',
        sitooOrderId: input.sitooOrderId,
        reason: 'the original is a store sale; store refunds are not this flow',
      };
    if (!store) {
      await park(
        'unmapped-warehouse',
        `Sitoo warehouse ${refund.warehouseId}, where the return was taken, is not a mapped store`,
        { warehouseId: refund.warehouseId },
        ['retry', 'skip'],
      );
      return run();
    }
    if (!found) return bookStoreRefund(refund, store);
    let order = found;
    status.webOrderId = order.legacyId;

    status.step = 'refunding';
    // An order read before refunds followed the money paid carries no paid amounts: read it again.
    if (!hasPaidAmounts(order) && patched('refund-reads-paid-amounts'))
      order = (await readWebOrder(order.legacyId)) ?? order;
    let plan: RefundPlan;
    ({ order, plan } = await planOrPark(order));
    const key = workflowInfo().workflowId;
    let attempt = 0;
    const note = `Returned in store ${store.storeId} (Sitoo order ${input.sitooOrderId})`;
    const refunded = webRefundWithCents(
      await untilAccepted(
        // A key refused once stays refused: each new attempt after a refusal gets its own.
        () =>
          returns.refundWebLines({
            webOrderId: order.id,
            lines: plan.lines,
            transactions: plan.transactions,
            idempotencyKey: attempt ? `${key}:${attempt}` : key,
            note,
          }),
        async (f) => {
          await park(
            'ecommerce-rejected',
            f.message,
            { failureType: f.type, webOrderId: order.legacyId, lines: plan.lines, transactions: plan.transactions },
            ['retry', 'skip'],
          );
          attempt++;
          // The order may have moved meanwhile (another refund, a fix by hand): plan from what it is now.
          if (patched('refund-replans-after-refusal'))
            ({ order, plan } = await planOrPark((await readWebOrder(order.legacyId)) ?? order));
        },
      ),
    );
    status.refund = { ...refunded, lines: plan.lines };

    status.step = 'booking-in-erp';
    // The memo books what went back to the customer, unit by unit, so the books agree with the money.
    const memo = await bookInErp({
      webOrderId: order.legacyId,
      sitooOrderId: input.sitooOrderId,
      storeId: store.storeId,
      lines: creditMemoLines(plan.lines),
      returnedOn: businessDate(refund.orderDate, store),
    });
    status.creditMemoNumber = memo.number;
    status.step = 'refunded';
    return {
      outcome: 'refunded',
      sitooOrderId: input.sitooOrderId,
      webOrderId: order.legacyId,
      refundCents: refunded.amountCents,
      creditMemoNumber: memo.number,
    };
  }

  /**
   * What to refund for the returned units, and to which payments. Parks for finance while the
   * return takes back more than the order has left, or the money for it is no longer on the
   * order's payments (given back some other way); a retry plans again from the order as it is.
   */
  async function planOrPark(current: WebOrder): Promise<{ order: WebOrder; plan: RefundPlan }> {
    let order = current;
    for (;;) {
      const plan = planRefund(order, status.returned);
      if (plan.excess.length) {
        await park(
          'return-exceeds-purchase',
          `Return ${input.sitooOrderId} takes back more than web order ${order.name} has left to refund: ${plan.excess.map((e) => `${e.sku} ${e.returning} returned, ${e.refundable} refundable`).join('; ')}`,
          {
            sitooOrderId: input.sitooOrderId,
            webOrderId: order.legacyId,
            excess: plan.excess,
            storeId: status.storeId,
          },
          ['retry', 'skip'],
        );
      } else if (plan.uncoveredCents > 0 && hasPaidAmounts(order)) {
        const owed = plan.lines.reduce((n, l) => n + l.amountCents, 0);
        await park(
          'return-exceeds-purchase',
          `Return ${input.sitooOrderId}: web order ${order.name} was paid ${formatCents(owed)} for the returned units, but only ${formatCents(owed - plan.uncoveredCents)} is left on its payments`,
          {
            sitooOrderId: input.sitooOrderId,
            webOrderId: order.legacyId,
            owed: formatCents(owed),
            uncovered: formatCents(plan.uncoveredCents),
            storeId: status.storeId,
          },
          ['retry', 'skip'],
        );
      } else {
        return { order, plan };
      }
      order = (await readWebOrder(order.legacyId)) ?? order;
    }
  }

  /** The credit memo; a store gone from the mapping parks for whoever keeps the mapping, and a retry reads it again. */
  async function bookInErp(memo: Parameters<ReturnActivities['bookReturnInErp']>[0]): Promise<{ number: string }> {
    // A store gone from the mapping is for whoever keeps the mapping; anything else the ERP refuses is finance's.
    const refusedAs = (f: ApplicationFailure) => (f.type === UNKNOWN_STORE ? 'unmapped-warehouse' : 'erp-rejected');
    const details = { storeId: memo.storeId };
    const booked = await orPark(refusedAs, () => returns.bookReturnInErp(memo), { details });
    if (booked.lateTwinPossible && patched('erp-exactly-once')) {
      // An earlier attempt's create may still land: once it no longer can, take back its draft.
      await sleep(erpLateCommitWindowMs(input));
      const ref = { webOrderId: memo.webOrderId, sitooOrderId: memo.sitooOrderId, storeId: memo.storeId };
      await orPark(refusedAs, () => returns.sweepReturnTwins(ref), { details });
    }
    return booked;
  }

  /**
   * A store sale's refund: no web money to return (the till paid it back), so only the ERP is
   * left. A credit memo under the refund's own Sitoo order id reverses the revenue and VAT the
   * sale's invoice booked, and clears what the day journal paid out against the walk-in customer.
   */
  async function bookStoreRefund(refund: SaleOrder, store: StoreLocation): Promise<ReturnResult> {
    status.step = 'booking-in-erp';
    const lines = storeRefundLines(refund);
    const memo = await bookInErp({
      sitooOrderId: input.sitooOrderId,
      storeId: store.storeId,
      lines,
      returnedOn: businessDate(refund.orderDate, store),
    });
    status.creditMemoNumber = memo.number;
    status.step = 'store-refund-booked';
    const refundCents = lines.reduce((n, l) => n + l.unitPriceCents * l.quantity, 0);
    return {
      outcome: 'store-refund-booked',
      sitooOrderId: input.sitooOrderId,
      refundCents,
      creditMemoNumber: memo.number,
    };
  }

  async function readSitoo(orderId: number): Promise<SaleOrder | null> {
    const order = await orPark('order-not-found', () => sale.readSitooOrder({ orderId, eshopId: input.eshopId }));
    return order && saleOrderWithCents(order);
  }

  async function readWebOrder(webOrderId: string): Promise<WebOrder | null> {
    const order = await web.readWebOrder({ webOrderId });
    return order && webOrderWithCents(order);
  }

  /**
   * The web order this return belongs to, through the original Sitoo order. A return with no
   * reference, or one nobody can find, parks for finance until someone supplies it.
   */
  async function findWebOrder(refund: SaleOrder): Promise<WebOrder | undefined> {
    let reference: { sitooOrderId: number } | { webOrderId: string } | undefined =
      refund.creditOrderId !== null ? { sitooOrderId: refund.creditOrderId } : undefined;
    for (;;) {
      let why: string;
      if (!reference) {
        why = `Return ${input.sitooOrderId} names no original order`;
      } else if ('sitooOrderId' in reference) {
        const original = await readSitoo(reference.sitooOrderId);
        const webOrderId = original ? webOrderIdOf(original) : undefined;
        if (original && !webOrderId) return undefined;
        why = original
          ? ''
          : `Return ${input.sitooOrderId} refers to Sitoo order ${reference.sitooOrderId}, which Sitoo does not have`;
        if (webOrderId) reference = { webOrderId };
      } else {
        why = '';
      }
      if (reference && 'webOrderId' in reference) {
        const webOrderId = reference.webOrderId;
        const order = await orPark('ecommerce-rejected', () => readWebOrder(webOrderId));
        if (order) return order;
        why = `Return ${input.sitooOrderId} refers to web order ${webOrderId}, which the web shop does not have`;
      }
      const amount = refund.payments.reduce((n, p) => n + p.amountCents, 0);
      const r = await park(
        'orphaned-return',
        why,
        {
          sitooOrderId: input.sitooOrderId,
          warehouseId: refund.warehouseId,
          storeId: status.storeId,
          returned: status.returned,
          amount: formatCents(amount),
          currency: refund.currencyCode,
          givenReference: reference,
        },
        ['supply-reference', 'skip'],
      );
      reference = parseReturnReference(r.reference ?? '');
    }
  }
}
