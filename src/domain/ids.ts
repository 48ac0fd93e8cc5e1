/**
 * Workflow ids are business keys: a duplicate webhook or a poll that sees the same order again
 * lands on the same workflow instead of starting a second one.
 */
export function saleWorkflowId(accountId: number, orderId: number): string {
  return `sale-${accountId}-${orderId}`;
}

export function sitooEventExceptionWorkflowId(accountId: number, eventId: string): string {
  return `sitoo-event-${accountId}-${eventId}`;
}

export function sitooPollScheduleId(accountId: number): string {
  return `sitoo-poll-${accountId}`;
}

/**
 * The ERP external document number of a Sitoo order (a till sale, or a store refund's credit
 * memo): the Sitoo order id travels everywhere, scoped so that no other document can carry it by
 * chance. A bare number (the key before this one) is also what a purchase order reference or a
 * web order number looks like; a sale that found such a document would count as booked and
 * never reach the ERP. Looked up together with the store's customer. Code[35]: at most 29 digits
 * of account and order id together, far beyond either.
 */
export function sitooOrderErpDocumentNumber(accountId: number, orderId: number): string {
  return `SITOO-${accountId}-${orderId}`;
}

/** The key sales booked before the scoped one used: the bare Sitoo order id. Only for their replays. */
export function legacySitooOrderErpDocumentNumber(orderId: number): string {
  return String(orderId);
}

/** The Sitoo order a sale document books, from either key; undefined for any other document. */
export function sitooOrderIdOfErpDocumentNumber(externalDocumentNumber: string): number | undefined {
  const m = /^(?:SITOO-\d+-)?(\d+)$/i.exec(externalDocumentNumber.trim());
  return m ? Number(m[1]) : undefined;
}

/** Shown in the e-commerce inventory history, so a web stock change can be traced to its sale. */
export function sitooOrderReferenceUri(accountId: number, orderId: number): string {
  return `gid://retail-integration/SitooOrder/${accountId}-${orderId}`;
}

/**
 * One stock coalescer per Sitoo account: it feeds one web shop, whose rate-limit bucket is the
 * shared resource, and serialises every write so changes for a SKU and location apply in order.
 */
export function stockSyncWorkflowId(accountId: number): string {
  return `stock-sync-${accountId}`;
}

/** The record of a stock flush refused outright, from before refused work was held (replays only). */
export function stockFlushRefusedExceptionId(accountId: number, flushSeq: number): string {
  return `stock-flush-${accountId}-${flushSeq}`;
}

/** The record of web levels the shop refused, from before refused work was held (replays only). */
export function stockLevelsRejectedExceptionId(accountId: number, flushSeq: number): string {
  return `stock-rejected-${accountId}-${flushSeq}`;
}

/** The record of a standing refusal of held stock work (`part` is `<failure type>:<what>`), once per refusal and day. */
export function stockHeldExceptionId(accountId: number, part: string, flushSeq: number): string {
  return `stock-held-${accountId}-${part.replace(/[^A-Za-z0-9_.-]+/g, '-')}-${flushSeq}`;
}

/**
 * The stock adjustment of one Sitoo warehouse transaction (manual change, stock-taking, transfer).
 * The prefix is the one these workflows first had: running ones, the runbook and saved queries use it.
 */
export function stockAdjustmentWorkflowId(accountId: number, transactionId: number): string {
  return `stock-move-${accountId}-${transactionId}`;
}

/** The ERP document number of a Sitoo warehouse transaction's stock adjustment: looked up before creating. */
export function stockAdjustmentDocumentNumber(transactionId: number): string {
  return `WT-${transactionId}`;
}

export function erpStockPollScheduleId(accountId: number): string {
  return `erp-stock-poll-${accountId}`;
}

export function stockDriftScheduleId(accountId: number): string {
  return `stock-drift-${accountId}`;
}

/** A drift repair report: one per location and check, so each is acknowledged on its own. */
export function stockDriftReportWorkflowId(locationId: string, checkId: string): string {
  return `stock-drift-report-${locationId}-${checkId}`;
}

/** One click & collect order: keyed by the web order, so a duplicate webhook lands on it. */
export function clickAndCollectWorkflowId(webOrderId: string): string {
  return `collect-${webOrderId}`;
}

/** The Shopify order poll's schedule (and the id its runs start under) for an account. */
export function webOrderPollScheduleId(accountId: number): string {
  return `web-order-poll-${accountId}`;
}

/** The exception recorded when a webhook topic has no subscription: one per topic per day. */
export function webhookSubscriptionExceptionId(topic: string, day: string): string {
  return `webhook-subscription-${topic.replace(/\//g, '-')}-${day}`;
}

/** One return in store: keyed by the Sitoo refund order. */
export function returnInStoreWorkflowId(accountId: number, sitooOrderId: number): string {
  return `return-${accountId}-${sitooOrderId}`;
}

/**
 * The ERP external document number of a web order (its sales order, and the credit memos of
 * returns against it). Prefixed: Sitoo order ids and web order ids are both plain numbers.
 */
export function webOrderErpDocumentNumber(webOrderId: string): string {
  return `WEB-${webOrderId}`;
}

/**
 * What each credit memo line of a return says: the Sitoo refund order it books. It tells repeated
 * returns against one web order apart, and lets end of day find every return's memo, whatever
 * document number the memo has (the web order's, or the store refund's own).
 */
export function returnLineDescription(sitooOrderId: number): string {
  return `Sitoo return ${sitooOrderId}`;
}

export function returnOfLineDescription(description: string): number | undefined {
  const m = /^Sitoo return (\d+)$/.exec(description);
  return m ? Number(m[1]) : undefined;
}

/** Dead-letter record of a Shopify webhook that could not be processed. */
export function shopifyWebhookExceptionWorkflowId(webhookId: string): string {
  return `shopify-webhook-${webhookId}`;
}

/** One end of day per store and business day (yyyy-mm-dd, the store's local date). */
export function endOfDayWorkflowId(storeId: string, date: string): string {
  return `eod-${storeId}-${date}`;
}

/** The per-store schedule that starts each day's end of day at closing time. */
export function endOfDayScheduleId(storeId: string): string {
  return `eod-schedule-${storeId}`;
}

/**
 * Store ids end up in ERP codes, which BC upper-cases and limits: the journal batch `D<storeId>`
 * is a Code[10]. Ids that fit, made of letters, digits, '-' and '_', and unique whatever their
 * case (the mapping file refuses anything else), make every number built from them unique.
 */
export const STORE_ID = /^[A-Za-z0-9_-]{1,9}$/;

function checkedStoreId(storeId: string): string {
  if (!STORE_ID.test(storeId))
    throw new Error(
      `store id ${JSON.stringify(storeId)} must be 1-9 letters, digits, '-' or '_' (it becomes part of ERP codes)`,
    );
  return storeId.toUpperCase();
}

/**
 * The daily journal's document number, the key it is looked up by before posting: E + yymmdd +
 * the whole store id, at most 17 of BC's 20 characters. Never cut: a cut id would let one store
 * find another's posting and skip its own.
 */
export function endOfDayDocumentNumber(storeId: string, date: string): string {
  return `E${date.slice(2).replaceAll('-', '')}-${checkedStoreId(storeId)}`;
}

/** The store's own general journal batch (BC posts a whole batch at once; 10 characters at most). */
export function endOfDayJournalCode(storeId: string): string {
  return `D${checkedStoreId(storeId)}`;
}

/** The exception escalation's schedule (and the id of each run it starts, with the run's time). */
export const EXCEPTION_ESCALATION_SCHEDULE_ID = 'exception-escalation';
