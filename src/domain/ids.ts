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

/** The ERP external document number for a Sitoo sale: the Sitoo order id travels everywhere. */
export function erpExternalDocumentNumber(orderId: number): string {
  return String(orderId);
}

/** Shown in the e-commerce inventory history, so a web stock change can be traced to its sale. */
export function sitooOrderReferenceUri(accountId: number, orderId: number): string {
  return `gid://retail-integration/SitooOrder/${accountId}-${orderId}`;
}
