import { parseFilter, type FilterNode } from './filter';
import { enumMember, etag, type EntityRow } from './odata';
import { lineAmounts, STANDARD_VAT, vatCode } from './ledger';
import type { BcItemVariant } from './types';
import {
  type BcSalesCreditMemo,
  type BcSalesInvoice,
  type BcSalesLine,
  type BcSalesOrder,
  type BusinessCentralState,
} from './state';

/**
 * Public (wire) shapes of the entity sets, following the API v2.0 resource pages. The field list
 * is typed against the projection so `$filter`/`$select` validation cannot drift from what is served.
 */
export interface EntitySet<T> {
  name: string;
  type: string;
  fields: readonly string[];
  expandable?: readonly string[];
  all(state: BusinessCentralState): T[];
  /** The entities a `$filter` may match: all, or fewer when it pins an indexed field with `eq`. */
  candidates?(state: BusinessCentralState, filter: string | null): T[];
  row(state: BusinessCentralState, entity: T): EntityRow;
}

export function defineSet<T, const F extends readonly string[]>(def: {
  name: string;
  type: string;
  fields: F;
  /** Fields BC types as enums: the view holds captions, the wire carries member names (enumMember). */
  enums?: readonly F[number][];
  all(state: BusinessCentralState): T[];
  view(state: BusinessCentralState, entity: T): { [K in F[number]]: unknown };
  seq(entity: T): number;
  etagOf(entity: T): string;
  expand?: Record<string, (state: BusinessCentralState, entity: T) => Record<string, unknown>[]>;
  /**
   * Fields whose served value is the entity's own, so an `eq` filter on them can skip building
   * every row: the connectors' look-before-create by document number stays cheap with thousands
   * of documents. The full filter still runs on what is left.
   */
  pinnable?: Partial<Record<F[number], (entity: T) => unknown>>;
  /**
   * For append-only sets whose pinned fields never change (posted invoices, G/L entries), with
   * `all` in insertion order: the set's size, so an index per pinned field is kept and extended as
   * the set grows, instead of a scan per request.
   */
  appendOnlySize?: (state: BusinessCentralState) => number;
}): EntitySet<T> {
  const indexes = new WeakMap<BusinessCentralState, Map<string, { size: number; byValue: Map<string, T[]> }>>();
  const lookup = (state: BusinessCentralState, field: string, value: string): T[] => {
    const get = def.pinnable![field as F[number]]!;
    const size = def.appendOnlySize?.(state);
    if (size === undefined) return def.all(state).filter((e) => String(get(e) ?? '').toLowerCase() === value);
    const perState = indexes.get(state) ?? indexes.set(state, new Map()).get(state)!;
    let index = perState.get(field);
    if (!index || index.size > size) {
      index = { size: 0, byValue: new Map() };
      perState.set(field, index);
    }
    if (index.size < size) {
      // Append-only: only the entities added since the last look are indexed.
      const all = def.all(state);
      for (let i = index.size; i < all.length; i++) {
        const k = String(get(all[i]!) ?? '').toLowerCase();
        (index.byValue.get(k) ?? index.byValue.set(k, []).get(k)!).push(all[i]!);
      }
      index.size = all.length;
    }
    return index.byValue.get(value) ?? [];
  };
  return {
    name: def.name,
    type: def.type,
    fields: def.fields,
    expandable: def.expand ? Object.keys(def.expand) : undefined,
    all: def.all,
    candidates: (state, filter) => {
      const pin = filter && def.pinnable ? pinnedEquality(filter, Object.keys(def.pinnable)) : undefined;
      return pin ? lookup(state, pin.field, pin.value.toLowerCase()) : def.all(state);
    },
    row: (state, entity) => ({
      seq: def.seq(entity),
      view: { '@odata.etag': def.etagOf(entity), ...encodeEnums(def.view(state, entity), def.enums ?? []) },
      expand: def.expand
        ? Object.fromEntries(Object.entries(def.expand).map(([k, f]) => [k, () => f(state, entity)]))
        : undefined,
    }),
  };
}

function encodeEnums(view: Record<string, unknown>, enums: readonly string[]): Record<string, unknown> {
  const out = { ...view };
  for (const f of enums) if (typeof out[f] === 'string') out[f] = enumMember(out[f]);
  return out;
}

/** A `field eq 'text'` that every match must satisfy (top level, or inside an `and`). */
function pinnedEquality(filter: string, fields: string[]): { field: string; value: string } | undefined {
  let tree: FilterNode;
  try {
    tree = parseFilter(filter);
  } catch {
    return undefined; // the collection response reports the syntax error
  }
  const find = (n: FilterNode): { field: string; value: string } | undefined => {
    if (n.kind === 'and') return find(n.left) ?? find(n.right);
    if (n.kind === 'cmp' && n.op === 'eq' && n.value.kind === 'string' && fields.includes(n.field))
      return { field: n.field, value: n.value.text };
    return undefined;
  };
  return find(tree);
}

export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';
export const iso = (ms: number): string => new Date(ms).toISOString();
/** Document totals are sums of rounded line amounts, the same figures the G/L entries carry. */
/** Each line knows its document's price basis through the document; lines are looked up by documentId. */
const amountsOf = (l: BcSalesLine, pricesIncludeTax = true) =>
  lineAmounts(
    {
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      discountAmount: l.discountAmount,
      rate: l.taxPercent ?? STANDARD_VAT,
    },
    pricesIncludeTax,
  );
const sumCents = (
  d: { lines: BcSalesLine[]; pricesIncludeTax: boolean },
  pick: (a: ReturnType<typeof amountsOf>) => number,
): number => d.lines.reduce((s, l) => s + pick(amountsOf(l, d.pricesIncludeTax)), 0) / 100;
const total = (d: { lines: BcSalesLine[]; pricesIncludeTax: boolean }): number => sumCents(d, (a) => a.grossCents);

export const companies = defineSet({
  name: 'companies',
  type: 'company',
  fields: ['id', 'systemVersion', 'name', 'displayName', 'businessProfileId'] as const,
  all: (s) => [s.company],
  view: (_s, c) => ({ ...c }),
  seq: () => 0,
  etagOf: () => etag({ seq: 0, version: 1 }),
});

export const locations = defineSet({
  name: 'locations',
  type: 'location',
  fields: ['id', 'code', 'displayName', 'lastModifiedDateTime'] as const,
  all: (s) => [...s.locations.values()],
  view: (_s, l) => ({ id: l.id, code: l.code, displayName: l.displayName, lastModifiedDateTime: iso(l.lastModified) }),
  seq: (l) => l.seq,
  etagOf: (e) => etag(e),
});

export const items = defineSet({
  name: 'items',
  type: 'item',
  fields: [
    'id',
    'number',
    'displayName',
    'type',
    'gtin',
    'itemCategoryId',
    'itemCategoryCode',
    'blocked',
    'baseUnitOfMeasureCode',
    'taxGroupCode',
    'inventory',
    'unitPrice',
    'priceIncludesTax',
    'lastModifiedDateTime',
  ] as const,
  enums: ['type'],
  all: (s) => [...s.items.values()],
  expand: {
    itemVariants: (s, i) => [...s.itemVariants.values()].filter((v) => v.itemId === i.id).map((v) => variantView(v)),
  },
  view: (s, i) => ({
    id: i.id,
    number: i.number,
    displayName: i.displayName,
    type: 'Inventory',
    itemCategoryId: s.itemCategoryIds.get(i.itemCategoryCode) ?? EMPTY_GUID,
    gtin: i.gtin,
    itemCategoryCode: i.itemCategoryCode,
    blocked: i.blocked,
    baseUnitOfMeasureCode: i.baseUnitOfMeasureCode,
    // Tax Group Code is for sales-tax countries; the simulated company uses VAT posting groups.
    taxGroupCode: '',
    inventory: s.inventory(i.number),
    unitPrice: i.unitPrice,
    priceIncludesTax: true,
    lastModifiedDateTime: iso(i.lastModified),
  }),
  seq: (i) => i.seq,
  etagOf: (e) => etag(e),
});

const variantView = (v: BcItemVariant) => ({
  id: v.id,
  itemId: v.itemId,
  itemNumber: v.itemNumber,
  code: v.code,
  description: v.description,
  lastModifiedDateTime: iso(v.lastModified),
});

export const itemVariants = defineSet({
  name: 'itemVariants',
  type: 'itemVariant',
  fields: ['id', 'itemId', 'itemNumber', 'code', 'description', 'lastModifiedDateTime'] as const,
  all: (s) => [...s.itemVariants.values()],
  view: (_s, v) => variantView(v),
  seq: (v) => v.seq,
  etagOf: (e) => etag(e),
});

export const customers = defineSet({
  name: 'customers',
  type: 'customer',
  fields: ['id', 'number', 'displayName', 'type', 'blocked', 'currencyCode', 'lastModifiedDateTime'] as const,
  enums: ['type', 'blocked'],
  all: (s) => [...s.customers.values()],
  view: (_s, c) => ({
    id: c.id,
    number: c.number,
    displayName: c.displayName,
    type: 'Company',
    blocked: c.blocked,
    currencyCode: '',
    lastModifiedDateTime: iso(c.lastModified),
  }),
  seq: (c) => c.seq,
  etagOf: (e) => etag(e),
});

const LINE_FIELDS = [
  'id',
  'documentId',
  'sequence',
  'itemId',
  'lineType',
  'lineObjectNumber',
  'description',
  'quantity',
  'unitPrice',
  'discountAmount',
  'taxCode',
  'taxPercent',
  'amountExcludingTax',
  'totalTaxAmount',
  'amountIncludingTax',
  'locationId',
] as const;

/** A line's price basis is its document's "Prices Including VAT". */
function pricesIncludeTaxOf(s: BusinessCentralState, l: BcSalesLine): boolean {
  return (
    (s.salesOrders.get(l.documentId) ?? s.salesInvoices.get(l.documentId) ?? s.salesCreditMemos.get(l.documentId))
      ?.pricesIncludeTax ?? true
  );
}

function lineView(s: BusinessCentralState, l: BcSalesLine): { [K in (typeof LINE_FIELDS)[number]]: unknown } {
  const a = amountsOf(l, pricesIncludeTaxOf(s, l));
  return {
    id: l.id,
    documentId: l.documentId,
    sequence: l.sequence,
    itemId: l.itemId ?? EMPTY_GUID,
    lineType: l.lineType,
    lineObjectNumber: l.lineObjectNumber,
    description: l.description,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    discountAmount: l.discountAmount ?? 0,
    taxCode: l.taxPercent === undefined ? '' : vatCode(l.taxPercent),
    taxPercent: l.taxPercent ?? 0,
    amountExcludingTax: a.netCents / 100,
    totalTaxAmount: a.vatCents / 100,
    amountIncludingTax: a.grossCents / 100,
    locationId: l.locationId ?? EMPTY_GUID,
  };
}

export const salesOrderLines = defineSet({
  name: 'salesOrderLines',
  type: 'salesOrderLine',
  fields: [...LINE_FIELDS, 'shipQuantity', 'shippedQuantity', 'invoiceQuantity', 'invoicedQuantity'] as const,
  enums: ['lineType'],
  all: (s) => [...s.salesOrders.values()].flatMap((o) => o.lines),
  view: (s, l) => ({
    ...lineView(s, l),
    shipQuantity: l.quantity,
    shippedQuantity: 0,
    invoiceQuantity: l.quantity,
    invoicedQuantity: 0,
  }),
  seq: (l) => l.sequence,
  etagOf: (l) => etag({ seq: l.sequence, version: 1 }),
});

export const salesInvoiceLines = defineSet({
  name: 'salesInvoiceLines',
  type: 'salesInvoiceLine',
  fields: LINE_FIELDS,
  enums: ['lineType'],
  all: (s) => [...s.salesInvoices.values()].flatMap((i) => i.lines),
  view: (s, l) => lineView(s, l),
  seq: (l) => l.sequence,
  etagOf: (l) => etag({ seq: l.sequence, version: 1 }),
});

export const salesCreditMemoLines = defineSet({
  name: 'salesCreditMemoLines',
  type: 'salesCreditMemoLine',
  fields: LINE_FIELDS,
  enums: ['lineType'],
  all: (s) => [...s.salesCreditMemos.values()].flatMap((m) => m.lines),
  view: (s, l) => lineView(s, l),
  seq: (l) => l.sequence,
  etagOf: (l) => etag({ seq: l.sequence, version: 1 }),
});

const HEADER_FIELDS = [
  'id',
  'number',
  'externalDocumentNumber',
  'postingDate',
  'customerId',
  'customerNumber',
  'customerName',
  'currencyCode',
  'pricesIncludeTax',
  'status',
  'totalAmountExcludingTax',
  'totalTaxAmount',
  'totalAmountIncludingTax',
  'lastModifiedDateTime',
] as const;

function headerView(d: BcSalesOrder | BcSalesInvoice | BcSalesCreditMemo): {
  [K in (typeof HEADER_FIELDS)[number]]: unknown;
} {
  return {
    id: d.id,
    number: d.number,
    externalDocumentNumber: d.externalDocumentNumber,
    postingDate: d.postingDate,
    customerId: d.customerId,
    customerNumber: d.customerNumber,
    customerName: d.customerName,
    currencyCode: d.currencyCode,
    pricesIncludeTax: d.pricesIncludeTax,
    status: d.status,
    totalAmountExcludingTax: sumCents(d, (a) => a.netCents),
    totalTaxAmount: sumCents(d, (a) => a.vatCents),
    totalAmountIncludingTax: total(d),
    lastModifiedDateTime: iso(d.lastModified),
  };
}

export const salesOrders = defineSet({
  name: 'salesOrders',
  type: 'salesOrder',
  fields: [...HEADER_FIELDS, 'orderDate', 'fullyShipped'] as const,
  enums: ['status'],
  all: (s) => [...s.salesOrders.values()],
  view: (_s, o: BcSalesOrder) => ({ ...headerView(o), orderDate: o.orderDate, fullyShipped: false }),
  seq: (o) => o.seq,
  pinnable: { externalDocumentNumber: (d) => d.externalDocumentNumber, number: (d) => d.number },
  etagOf: (e) => etag(e),
  expand: { salesOrderLines: (s, o) => o.lines.map((l) => salesOrderLines.row(s, l).view) },
});

export const salesInvoices = defineSet({
  name: 'salesInvoices',
  type: 'salesInvoice',
  fields: [...HEADER_FIELDS, 'invoiceDate', 'dueDate', 'orderId', 'orderNumber', 'remainingAmount'] as const,
  enums: ['status'],
  all: (s) => [...s.salesInvoices.values()],
  view: (_s, i: BcSalesInvoice) => ({
    ...headerView(i),
    invoiceDate: i.invoiceDate,
    dueDate: i.dueDate,
    orderId: i.orderId,
    orderNumber: i.orderNumber,
    remainingAmount: total(i),
  }),
  seq: (i) => i.seq,
  pinnable: {
    externalDocumentNumber: (d) => d.externalDocumentNumber,
    number: (d) => d.number,
    customerNumber: (d) => d.customerNumber,
  },
  appendOnlySize: (s) => s.salesInvoices.size,
  etagOf: (e) => etag(e),
  expand: { salesInvoiceLines: (s, i) => i.lines.map((l) => salesInvoiceLines.row(s, l).view) },
});

export const salesCreditMemos = defineSet({
  name: 'salesCreditMemos',
  type: 'salesCreditMemo',
  fields: [
    ...HEADER_FIELDS,
    'creditMemoDate',
    'dueDate',
    'invoiceId',
    'invoiceNumber',
    'customerReturnReasonId',
  ] as const,
  enums: ['status'],
  all: (s) => [...s.salesCreditMemos.values()],
  // Applying to an invoice and return reasons are not simulated; they are served blank as BC does when unset.
  view: (_s, m: BcSalesCreditMemo) => ({
    ...headerView(m),
    creditMemoDate: m.creditMemoDate,
    dueDate: m.dueDate,
    invoiceId: EMPTY_GUID,
    invoiceNumber: '',
    customerReturnReasonId: EMPTY_GUID,
  }),
  seq: (m) => m.seq,
  pinnable: { externalDocumentNumber: (d) => d.externalDocumentNumber, number: (d) => d.number },
  etagOf: (e) => etag(e),
  expand: { salesCreditMemoLines: (s, m) => m.lines.map((l) => salesCreditMemoLines.row(s, l).view) },
});

export const itemLedgerEntries = defineSet({
  name: 'itemLedgerEntries',
  type: 'itemLedgerEntry',
  fields: [
    'id',
    'entryNumber',
    'itemNumber',
    'postingDate',
    'entryType',
    'sourceNumber',
    'sourceType',
    'documentNumber',
    'documentType',
    'description',
    'quantity',
    'salesAmountActual',
    'costAmountActual',
    'lastModifiedDateTime',
  ] as const,
  enums: ['entryType', 'sourceType', 'documentType'],
  all: (s) => s.itemLedger,
  // The public shape deliberately omits locationCode: BC's API page has no location field.
  view: (_s, e) => ({
    id: e.id,
    entryNumber: e.entryNumber,
    itemNumber: e.itemNumber,
    postingDate: e.postingDate,
    entryType: e.entryType,
    sourceNumber: e.sourceNumber,
    sourceType: e.sourceType,
    documentNumber: e.documentNumber,
    documentType: e.documentType,
    description: e.description,
    quantity: e.quantity,
    salesAmountActual: e.salesAmountActual,
    costAmountActual: e.costAmountActual,
    lastModifiedDateTime: iso(e.lastModified),
  }),
  seq: (e) => e.seq,
  etagOf: (e) => etag({ seq: e.seq, version: 1 }),
});

/** Entity sets readable as plain collections and by key. */
export const readableSets: Record<string, EntitySet<never>> = {
  locations,
  items,
  itemVariants,
  customers,
  salesOrders,
  salesInvoices,
  salesCreditMemos,
  itemLedgerEntries,
} as unknown as Record<string, EntitySet<never>>;
