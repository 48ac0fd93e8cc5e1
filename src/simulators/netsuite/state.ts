/**
 * The records the simulator holds, with NetSuite's id rules (reference §9, §11): one internal-id
 * counter and one external-id index per record group (every transaction type shares one), external
 * ids case-insensitive over `[A-Za-z0-9_-]`, and stock per (item, location) moved by the
 * transactions that move it in NetSuite (cash sale out, credit memo and cash refund back in).
 */
export type TransactionType = 'cashSale' | 'creditMemo' | 'cashRefund';
export type NsRecordType = TransactionType | 'customer' | 'location' | 'inventoryItem';
export type RecordGroup = 'transaction' | 'entity' | 'item' | 'location';

export const GROUP_OF: Record<NsRecordType, RecordGroup> = {
  cashSale: 'transaction',
  creditMemo: 'transaction',
  cashRefund: 'transaction',
  customer: 'entity',
  inventoryItem: 'item',
  location: 'location',
};

/** SuiteQL's `transaction.type` codes (reference §5.3). */
export const TYPE_CODE: Record<TransactionType, string> = {
  cashSale: 'CashSale',
  creditMemo: 'CustCred',
  cashRefund: 'CashRfnd',
};

/** Stock direction of each transaction type's item lines. */
const STOCK_SIGN: Record<TransactionType, number> = { cashSale: -1, creditMemo: 1, cashRefund: 1 };

export const EXTERNAL_ID = /^[A-Za-z0-9_-]+$/;

export interface NsLine {
  line: number;
  item: string;
  quantity: number;
  /** Gross (tax-inclusive) line amount in cents: `grossAmt` when sent, else quantity x rate. */
  amountCents: number;
  location?: string;
  description?: string;
  taxCode?: string;
}

export interface NsTransaction {
  type: TransactionType;
  id: string;
  externalId?: string;
  tranId: string;
  entity: string;
  tranDate: string;
  otherRefNum?: string;
  memo?: string;
  subsidiary?: string;
  currency?: string;
  location?: string;
  account?: string;
  lines: NsLine[];
}

export interface NsCustomer {
  id: string;
  entityId: string;
  companyName: string;
  externalId?: string;
}
export interface NsLocation {
  id: string;
  name: string;
  externalId?: string;
  isInactive: boolean;
}
export interface NsItem {
  id: string;
  itemId: string;
  displayName: string;
  externalId?: string;
}

/** Account preferences and scripted behaviours a test switches on (reference §8.1, §6, §12). */
export interface NetSuiteFlags {
  /** Make Locations Mandatory with per-line locations: every item line needs a location. */
  locationMandatory: boolean;
  /** Postings dated before this day (YYYY-MM-DD) fall in a closed period and are refused. */
  closedBefore?: string;
  /** The next N writes fail as a user-event script re-saving the record would make them: "Record has been changed". */
  recordChangedWrites: number;
}

export class NetSuiteState {
  readonly transactions = new Map<string, NsTransaction>();
  readonly customers = new Map<string, NsCustomer>();
  readonly locations = new Map<string, NsLocation>();
  readonly items = new Map<string, NsItem>();
  /** On hand per `${item}:${location}` (internal ids). */
  readonly stock = new Map<string, number>();
  readonly flags: NetSuiteFlags = { locationMandatory: true, recordChangedWrites: 0 };
  /** Every record request, for tests that count what a client sent. */
  readonly requestLog: Array<{ method: string; path: string; query: string }> = [];
  private readonly counters: Record<RecordGroup, number> = { transaction: 1000, entity: 500, item: 3000, location: 10 };
  private readonly externalIds: Record<RecordGroup, Map<string, { type: NsRecordType; id: string }>> = {
    transaction: new Map(),
    entity: new Map(),
    item: new Map(),
    location: new Map(),
  };
  private tranNumbers: Record<TransactionType, number> = { cashSale: 100, creditMemo: 200, cashRefund: 300 };

  nextId(group: RecordGroup): string {
    return String(++this.counters[group]);
  }

  /** Who holds this external id in the group, whatever the case it was written in. */
  byExternalId(group: RecordGroup, externalId: string): { type: NsRecordType; id: string } | undefined {
    return this.externalIds[group].get(externalId.toLowerCase());
  }

  claimExternalId(group: RecordGroup, externalId: string, owner: { type: NsRecordType; id: string }): void {
    this.externalIds[group].set(externalId.toLowerCase(), owner);
  }

  releaseExternalId(group: RecordGroup, externalId: string | undefined): void {
    if (externalId) this.externalIds[group].delete(externalId.toLowerCase());
  }

  nextTranId(type: TransactionType): string {
    const prefix = { cashSale: 'CS', creditMemo: 'CM', cashRefund: 'CR' }[type];
    return `${prefix}${++this.tranNumbers[type]}`;
  }

  seedCustomer(c: { entityId: string; companyName?: string; externalId?: string }): NsCustomer {
    const customer = {
      id: this.nextId('entity'),
      entityId: c.entityId,
      companyName: c.companyName ?? c.entityId,
      externalId: c.externalId,
    };
    this.customers.set(customer.id, customer);
    if (c.externalId) this.claimExternalId('entity', c.externalId, { type: 'customer', id: customer.id });
    return customer;
  }

  seedLocation(l: { name: string; externalId?: string; isInactive?: boolean }): NsLocation {
    const location = {
      id: this.nextId('location'),
      name: l.name,
      externalId: l.externalId,
      isInactive: !!l.isInactive,
    };
    this.locations.set(location.id, location);
    if (l.externalId) this.claimExternalId('location', l.externalId, { type: 'location', id: location.id });
    return location;
  }

  seedItem(i: { itemId: string; displayName?: string; externalId?: string; stock?: Record<string, number> }): NsItem {
    const item = {
      id: this.nextId('item'),
      itemId: i.itemId,
      displayName: i.displayName ?? i.itemId,
      externalId: i.externalId,
    };
    this.items.set(item.id, item);
    if (i.externalId) this.claimExternalId('item', i.externalId, { type: 'inventoryItem', id: item.id });
    for (const [location, qty] of Object.entries(i.stock ?? {})) this.stock.set(`${item.id}:${location}`, qty);
    return item;
  }

  totalCents(t: NsTransaction): number {
    return t.lines.reduce((n, l) => n + l.amountCents, 0);
  }

  /** Moves stock for a transaction's lines; `sign` -1 takes a saved version back before it is replaced or deleted. */
  applyStock(t: NsTransaction, sign: 1 | -1): void {
    for (const l of t.lines) {
      const location = l.location ?? t.location;
      if (!location) continue;
      const key = `${l.item}:${location}`;
      this.stock.set(key, (this.stock.get(key) ?? 0) + sign * STOCK_SIGN[t.type] * l.quantity);
    }
  }

  /** Transactions holding this external id, for tests: more than one is a twin (which the index makes impossible). */
  transactionsByExternalId(externalId: string): NsTransaction[] {
    return [...this.transactions.values()].filter((t) => t.externalId?.toLowerCase() === externalId.toLowerCase());
  }

  onHand(itemId: string, locationId: string): number {
    const item = [...this.items.values()].find((i) => i.itemId === itemId);
    return item ? (this.stock.get(`${item.id}:${locationId}`) ?? 0) : 0;
  }
}
