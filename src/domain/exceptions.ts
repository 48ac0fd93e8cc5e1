/**
 * The exception taxonomy: every failed business transaction has a type and an owning team, set
 * as search attributes so each team can list its own queue in the Temporal UI.
 */
export const EXCEPTION_TYPES = [
  'unmapped-warehouse',
  'unknown-sku',
  'payment-not-confirmed',
  'order-not-found',
  'erp-rejected',
  'ecommerce-rejected',
  'unprocessable-event',
  'inventory-sync-failure',
  'stock-master-conflict',
  'bopis-stock-short',
  'bopis-pickup-rejected',
  'bopis-collected-after-cancel',
  'webhook-subscription-missing',
  'return-exceeds-purchase',
  'orphaned-return',
  'reconciliation-gap',
  'product-rejected',
  'master-data-conflict',
  'price-update-delay',
] as const;
export type ExceptionType = (typeof EXCEPTION_TYPES)[number];

export const OWNERS = [
  'retail-ops',
  'finance',
  'ecommerce-ops',
  'master-data',
  'integration-ops',
  'merchandising',
] as const;
export type Owner = (typeof OWNERS)[number];

export const DEFAULT_OWNER: Record<ExceptionType, Owner> = {
  'unmapped-warehouse': 'integration-ops',
  'unknown-sku': 'master-data',
  'payment-not-confirmed': 'finance',
  'order-not-found': 'retail-ops',
  'erp-rejected': 'finance',
  'ecommerce-rejected': 'ecommerce-ops',
  'unprocessable-event': 'integration-ops',
  // Drift was found and already repaired; the people who run the stores need to see what went wrong.
  'inventory-sync-failure': 'retail-ops',
  'stock-master-conflict': 'integration-ops',
  // The web team talks to the customer: another store, a later date, or a cancellation.
  'bopis-stock-short': 'ecommerce-ops',
  'bopis-pickup-rejected': 'ecommerce-ops',
  // Goods handed over in the store after the customer cancelled (and maybe was refunded) online.
  'bopis-collected-after-cancel': 'finance',
  // Orders still arrive through the poll; whoever runs the receiver finds why Shopify gave up on it.
  'webhook-subscription-missing': 'integration-ops',
  // Money going out without a matching sale is finance's call.
  'return-exceeds-purchase': 'finance',
  'orphaned-return': 'finance',
  'reconciliation-gap': 'finance',
  // Products and prices are merchandising's: they fix the item in the master or talk to the store.
  'product-rejected': 'merchandising',
  'master-data-conflict': 'merchandising',
  'price-update-delay': 'merchandising',
};

/**
 * How an operator can resolve a parked exception (the `resolve` update). `acknowledge` closes a
 * report of something already repaired (drift); `use-store` moves a click & collect order to
 * another store (`storeId`); `cancel-order` cancels and refunds it; `supply-reference` gives an
 * orphaned return the original order it belongs to (`reference`); `accept` closes a reconciliation
 * gap as explained (`reason` required).
 */
export type ResolutionAction =
  | 'retry'
  | 'skip'
  | 'retry-with-mapping'
  | 'acknowledge'
  | 'use-store'
  | 'cancel-order'
  | 'supply-reference'
  | 'accept';
const ACTIONS: readonly ResolutionAction[] = [
  'retry',
  'skip',
  'retry-with-mapping',
  'acknowledge',
  'use-store',
  'cancel-order',
  'supply-reference',
  'accept',
];

export interface MappingOverride {
  storeId: string;
  erpLocationCode: string;
  erpCustomerNumber: string;
  webLocationId: string;
}

export interface Resolution {
  action: ResolutionAction;
  /** Who resolved it and why: kept in the workflow's status for the audit trail. */
  reason?: string;
  resolvedBy?: string;
  mapping?: MappingOverride;
  /** With use-store: the store that takes the order instead. */
  storeId?: string;
  /** With supply-reference: the original Sitoo order id (digits) or web order id the return belongs to. */
  reference?: string;
}

/**
 * What an operator types to resolve with each action, `...` standing for their own words: shown
 * in a parked workflow's details and in the runbook, for the `resolve` update and signal alike.
 */
export function exampleResolution(action: ResolutionAction): Resolution {
  const who = { reason: '...', resolvedBy: '...' };
  switch (action) {
    case 'retry-with-mapping':
      return {
        action,
        mapping: { storeId: '...', erpLocationCode: '...', erpCustomerNumber: '...', webLocationId: '...' },
        ...who,
      };
    case 'use-store':
      return { action, storeId: '...', ...who };
    case 'supply-reference':
      return { action, reference: '...', ...who };
    default:
      return { action, ...who };
  }
}

/** The StoreId of an exception no store can be named for: the order or event cannot be read, or it is account-wide. */
export const NO_STORE = 'no-store';

/** The StoreId of an exception at a Sitoo warehouse no store is mapped to: it names the warehouse. */
export function unmappedWarehouseStoreId(warehouseId: number | null | undefined): string {
  return `sitoo-warehouse-${warehouseId ?? 'none'}`;
}

/** The StoreId of an exception at a web (Shopify) location no store is mapped to. */
export function unmappedWebLocationStoreId(webLocationId: string): string {
  return `shopify-location-${webLocationId.split('/').pop()}`;
}

/**
 * The StoreId an exception is filed under when its flow has not named a store: the store, the
 * location or the unmapped warehouse its details name, or NO_STORE. Every exception has one, so
 * `StoreId = "..."` finds them all.
 */
export function exceptionStoreId(details: Record<string, unknown>): string {
  const { storeId, warehouseId, webLocationId, locationId } = details;
  if (typeof storeId === 'string' && storeId !== '') return storeId;
  if (typeof warehouseId === 'number') return unmappedWarehouseStoreId(warehouseId);
  if (typeof webLocationId === 'string' && webLocationId !== '') return unmappedWebLocationStoreId(webLocationId);
  if (typeof locationId === 'string' && locationId !== '') return locationId;
  return NO_STORE;
}

export interface ParkedException {
  type: ExceptionType;
  owner: Owner;
  message: string;
  details: Record<string, unknown>;
  /** ISO time it was parked. */
  since: string;
  allowedActions: ResolutionAction[];
  /** Set once it outlived its type's SLA and its team was told (see exception escalation). */
  overdue?: OverdueMark;
}

/** What the escalation records on an exception past its SLA. */
export interface OverdueMark {
  /** The SLA it outlived, as configured (e.g. "4h"). */
  sla: string;
  /** When the escalation found it overdue (ISO). */
  at: string;
  /** Whether a message went to the owning team (false when no webhook is configured for it). */
  notified: boolean;
}

/**
 * Validates a resolve request against what is parked. Pure, so the workflow's update validator
 * can call it (validators are synchronous and must not allocate zod schemas per workflow).
 * Returns an error message, or undefined when the resolution may be accepted.
 */
export function validateResolution(input: unknown, parked: ParkedException | undefined): string | undefined {
  if (!parked) return 'nothing is parked on this workflow: there is no exception to resolve';
  const shape = actionProblem(input);
  if (shape) return shape;
  const r = input as Resolution;
  if (!parked.allowedActions.includes(r.action)) {
    return `action "${r.action}" does not apply to a ${parked.type} exception; allowed: ${parked.allowedActions.join(', ')}`;
  }
  return fieldsProblem(r);
}

/**
 * What is wrong with a resolution whatever is parked: the checks `validateResolution` makes
 * besides "is something parked" and "does the action apply to it". A bulk resolution makes them
 * before it sends anything, so a mistyped field stops it once instead of being refused everywhere.
 */
export function resolutionInputProblem(input: unknown): string | undefined {
  return actionProblem(input) ?? fieldsProblem(input as Resolution);
}

function actionProblem(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return 'resolution must be an object like {"action":"retry"}';
  const action = (input as Partial<Resolution>).action;
  if (typeof action !== 'string' || !ACTIONS.includes(action)) {
    return `action must be one of ${ACTIONS.join(', ')} (got ${JSON.stringify(action)})`;
  }
  return undefined;
}

function fieldsProblem(r: Resolution): string | undefined {
  if (r.reason !== undefined && typeof r.reason !== 'string') return 'reason must be a string';
  if (r.resolvedBy !== undefined && typeof r.resolvedBy !== 'string') return 'resolvedBy must be a string';
  if (r.action === 'retry-with-mapping') {
    const m = r.mapping as Partial<MappingOverride> | undefined;
    if (!m || typeof m !== 'object')
      return 'mapping is required for retry-with-mapping: {storeId, erpLocationCode, erpCustomerNumber, webLocationId}';
    for (const field of ['storeId', 'erpLocationCode', 'erpCustomerNumber', 'webLocationId'] as const) {
      if (typeof m[field] !== 'string' || m[field]!.trim() === '') return `mapping.${field} must be a non-empty string`;
    }
  } else if (r.mapping !== undefined) {
    return `mapping is only accepted with action retry-with-mapping`;
  }
  const needs = (field: 'storeId' | 'reference', action: ResolutionAction): string | undefined => {
    const value = r[field];
    if (r.action === action)
      return typeof value === 'string' && value.trim() !== ''
        ? undefined
        : `${field} is required for ${action} and must be a non-empty string`;
    return value === undefined ? undefined : `${field} is only accepted with action ${action}`;
  };
  if (r.action === 'accept' && (typeof r.reason !== 'string' || r.reason.trim() === ''))
    return 'reason is required for accept: say why the gap is acceptable';
  return needs('storeId', 'use-store') ?? needs('reference', 'supply-reference');
}

/**
 * What to do next about each type, in one line, for people who see the exception outside the
 * runbook (the store health page and `npm run ops -- health`). The runbook's table has the detail;
 * the parked exception's `allowedActions` are what its `resolve` accepts.
 */
export const NEXT_ACTION: Record<ExceptionType, string> = {
  'unmapped-warehouse': 'add the warehouse to the mapping, then retry (or retry-with-mapping for this one)',
  'unknown-sku': 'create the item in the system the details name, then retry; or skip',
  'payment-not-confirmed': 'check the payment in Sitoo: retry to wait again, or skip (no ERP order)',
  'order-not-found': 'check the order in Sitoo, then retry; or skip',
  'erp-rejected': 'fix it in Business Central (customer, prices incl. VAT, a double posting), then retry',
  'ecommerce-rejected': 'fix it in Shopify, then retry (held stock: acknowledge once it went out)',
  'unprocessable-event': 'read the recorded event, then skip',
  'inventory-sync-failure': 'already corrected: find the cause (a hand edit, a missed event), then acknowledge',
  'stock-master-conflict': 'fix the mapping (a mirror must be a Virtual warehouse), then retry; or skip',
  'bopis-stock-short': 'agree with the customer: use-store, retry after a delivery, or cancel-order',
  'bopis-pickup-rejected': 'retry (wait for the store again) or cancel-order',
  'bopis-collected-after-cancel': 'recover the money, then accept with a reason; or skip',
  'webhook-subscription-missing': 'find why Shopify deliveries failed, subscribe again, then acknowledge',
  'return-exceeds-purchase': 'check the receipts: retry after correcting the web order, or skip',
  'orphaned-return': 'supply-reference with the original order id, or skip',
  'reconciliation-gap': 'fix the cause and retry, or accept with a reason',
  'product-rejected': "fix the product in the master (the subscriber's reason says what), then retry; or skip",
  'master-data-conflict': 'already put back (or reported only, per policy): tell whoever edited it, then acknowledge',
  'price-update-delay': 'closes itself when the price reads back; if it stays, check the subscriber, then retry',
};

/**
 * How long each type may stay parked before it is overdue: the escalation marks it, the overdue
 * metric counts it and, where the owning team has a webhook, one message goes to the team. The
 * runbook's "SLAs and escalation" explains each figure; EXCEPTION_SLAS overrides any of them.
 * Money that is not booked or not reconciled gets the shortest; reports of a repaired drift the longest.
 */
export const DEFAULT_SLA: Record<ExceptionType, string> = {
  'unmapped-warehouse': '4h',
  'unknown-sku': '1d',
  'payment-not-confirmed': '4h',
  'order-not-found': '1d',
  'erp-rejected': '4h',
  'ecommerce-rejected': '4h',
  'unprocessable-event': '1d',
  'inventory-sync-failure': '3d',
  'stock-master-conflict': '1d',
  'bopis-stock-short': '2h',
  'bopis-pickup-rejected': '2h',
  'bopis-collected-after-cancel': '1d',
  'webhook-subscription-missing': '4h',
  'return-exceeds-purchase': '1d',
  'orphaned-return': '2d',
  'reconciliation-gap': '1d',
  'product-rejected': '1d',
  'master-data-conflict': '3d',
  // A late price is a wrong price at the till or online: it must be looked at quickly.
  'price-update-delay': '1h',
};

/**
 * The SLAs in force: the defaults with `type=duration,...` (EXCEPTION_SLAS) over them. Throws a
 * message naming the entry for an unknown type or a value that is not a duration.
 */
export function exceptionSlas(overrides: string | undefined): Record<ExceptionType, string> {
  const slas = { ...DEFAULT_SLA };
  for (const entry of (overrides ?? '').split(',').map((e) => e.trim())) {
    if (entry === '') continue;
    const [type, value] = entry.split('=').map((p) => p.trim());
    if (!type || !(EXCEPTION_TYPES as readonly string[]).includes(type))
      throw new Error(`"${entry}": ${JSON.stringify(type)} is not an exception type (${EXCEPTION_TYPES.join(', ')})`);
    if (!value || !/^\d+(\.\d+)?(ms|s|m|h|d)$/.test(value))
      throw new Error(`"${entry}": the SLA must be a duration like 30m, 4h or 1d`);
    slas[type as ExceptionType] = value;
  }
  return slas;
}
