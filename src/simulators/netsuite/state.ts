import { divRound } from '../../domain/money';

/**
 * The records the simulator holds, with NetSuite's id rules (reference §9, §11): one internal-id
 * counter and one external-id index per record group (every transaction type shares one), external
 * ids case-insensitive over `[A-Za-z0-9_-]`, and stock per (item, location) moved by the
 * transactions that move it in NetSuite (cash sale out, credit memo and cash refund back in).
 */
export type TransactionType =
  'cashSale' | 'creditMemo' | 'cashRefund' | 'inventoryAdjustment' | 'journalEntry' | 'itemReceipt';
export type NsRecordType = TransactionType | 'customer' | 'location' | 'inventoryItem';
export type RecordGroup = 'transaction' | 'entity' | 'item' | 'location';

export const GROUP_OF: Record<NsRecordType, RecordGroup> = {
  cashSale: 'transaction',
  creditMemo: 'transaction',
  cashRefund: 'transaction',
  inventoryAdjustment: 'transaction',
  journalEntry: 'transaction',
  itemReceipt: 'transaction',
  customer: 'entity',
  inventoryItem: 'item',
  location: 'location',
};

/** SuiteQL's `transaction.type` codes (reference §5.3). */
export const TYPE_CODE: Record<TransactionType, string> = {
  cashSale: 'CashSale',
  creditMemo: 'CustCred',
  cashRefund: 'CashRfnd',
  inventoryAdjustment: 'InvAdjst',
  journalEntry: 'Journal',
  itemReceipt: 'ItemRcpt',
};

/** Stock direction of each transaction type's item lines (an adjustment's lines carry their own sign). */
const STOCK_SIGN: Record<TransactionType, number> = {
  cashSale: -1,
  creditMemo: 1,
  cashRefund: 1,
  inventoryAdjustment: 1,
  journalEntry: 0,
  itemReceipt: 1,
};

/**
 * The chart of accounts the simulator books to, by internal id. Items carry no cost here, so
 * inventory and COGS lines would be zero and are left out of the GL.
 */
export const NS_ACCOUNTS = {
  cash: '1',
  receivables: '119',
  undepositedFunds: '122',
  cardClearing: '125',
  taxPayable: '109',
  revenue: '54',
  inventoryAdjustment: '213',
} as const;

/**
 * One row of SuiteQL's `transactionline` with its `transactionaccountingline` (primary book):
 * `uniqueKey` is unique across every transaction line and handed out in commit order; a line
 * replaced by `replace=` is a new line with a new key.
 */
export interface NsTranLine {
  uniqueKey: number;
  item?: string;
  location?: string;
  /** Signed stock effect at the location. */
  quantity: number;
  account?: string;
  debitCents: number;
  creditCents: number;
  memo?: string;
  entity?: string;
}

/** A journal entry's line as sent: an account, a debit or a credit. */
export interface NsJournalLine {
  account: string;
  debitCents: number;
  creditCents: number;
  memo?: string;
  entity?: string;
  location?: string;
  department?: string;
}

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
  /** A journal entry's lines. */
  journalLines?: NsJournalLine[];
  /** What the saved version books, set on save. */
  tranLines: NsTranLine[];
}

export interface NsCustomer {
  id: string;
  entityId: string;
  companyName: string;
  externalId?: string;
  /** Inactive entities cannot be referenced on new transactions. */
  isInactive: boolean;
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
  /** The item's class (classification internal id). */
  classId?: string;
  /** Custom item fields (`custitem_…`) by script id. */
  custom: Record<string, string>;
  /** The tax rate its tax code gives, for the GL's tax line. */
  vatPercent: number;
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
  /** Classes (the `classification` record) by internal id -> name. */
  readonly classes = new Map<string, string>();
  readonly accounts = new Set<string>(Object.values(NS_ACCOUNTS));
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
  private tranNumbers: Record<TransactionType, number> = {
    cashSale: 100,
    creditMemo: 200,
    cashRefund: 300,
    inventoryAdjustment: 400,
    journalEntry: 500,
    itemReceipt: 600,
  };
  private lineKeys = 70_000;

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
    const prefix = {
      cashSale: 'CS',
      creditMemo: 'CM',
      cashRefund: 'CR',
      inventoryAdjustment: 'IA',
      journalEntry: 'JE',
      itemReceipt: 'IR',
    }[type];
    return `${prefix}${++this.tranNumbers[type]}`;
  }

  seedCustomer(c: { entityId: string; companyName?: string; externalId?: string; isInactive?: boolean }): NsCustomer {
    const customer = {
      id: this.nextId('entity'),
      entityId: c.entityId,
      companyName: c.companyName ?? c.entityId,
      externalId: c.externalId,
      isInactive: !!c.isInactive,
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

  seedItem(i: {
    itemId: string;
    displayName?: string;
    externalId?: string;
    stock?: Record<string, number>;
    className?: string;
    custom?: Record<string, string>;
    vatPercent?: number;
  }): NsItem {
    const item: NsItem = {
      id: this.nextId('item'),
      itemId: i.itemId,
      displayName: i.displayName ?? i.itemId,
      externalId: i.externalId,
      custom: i.custom ?? {},
      vatPercent: i.vatPercent ?? 0,
    };
    if (i.className !== undefined) item.classId = this.seedClass(i.className);
    this.items.set(item.id, item);
    if (i.externalId) this.claimExternalId('item', i.externalId, { type: 'inventoryItem', id: item.id });
    for (const [location, qty] of Object.entries(i.stock ?? {})) this.stock.set(`${item.id}:${location}`, qty);
    return item;
  }

  /** The class with this name, created when absent. */
  seedClass(name: string): string {
    for (const [id, n] of this.classes) if (n === name) return id;
    const id = String(this.classes.size + 1);
    this.classes.set(id, name);
    return id;
  }

  /** Goods received at a location outside the integration: an item receipt, in the ledger like any other. */
  receive(itemId: string, locationId: string, quantity: number, tranDate: string): NsTransaction {
    const item = [...this.items.values()].find((i) => i.itemId === itemId);
    if (!item) throw new Error(`no item ${itemId}`);
    const t: NsTransaction = {
      type: 'itemReceipt',
      id: this.nextId('transaction'),
      tranId: this.nextTranId('itemReceipt'),
      entity: '',
      tranDate,
      lines: [{ line: 1, item: item.id, quantity, amountCents: 0, location: locationId }],
      tranLines: [],
    };
    this.save(t);
    return t;
  }

  /** Stores a transaction, taking back what its previous version booked and booking the new one. */
  save(t: NsTransaction, previous?: NsTransaction): void {
    if (previous) this.applyStock(previous, -1);
    t.tranLines = this.book(t);
    this.transactions.set(t.id, t);
    this.applyStock(t, 1);
  }

  /** The lines a transaction books (reference §8): mainline money, item lines' stock and revenue, a tax line. */
  private book(t: NsTransaction): NsTranLine[] {
    const key = () => ++this.lineKeys;
    if (t.type === 'journalEntry') return (t.journalLines ?? []).map((l) => ({ uniqueKey: key(), quantity: 0, ...l }));
    const gross = this.totalCents(t);
    const money = t.type === 'cashSale' || t.type === 'creditMemo' || t.type === 'cashRefund';
    // Money in (a sale) is a debit on the mainline; money back (a return) a credit.
    const sign = t.type === 'cashSale' ? 1 : -1;
    const split = (amount: number, debitWhenPositive: number) =>
      debitWhenPositive * amount > 0
        ? { debitCents: Math.abs(amount), creditCents: 0 }
        : { debitCents: 0, creditCents: Math.abs(amount) };
    const rows: NsTranLine[] = [];
    if (money) {
      const account = t.type === 'creditMemo' ? NS_ACCOUNTS.receivables : (t.account ?? NS_ACCOUNTS.undepositedFunds);
      rows.push({ uniqueKey: key(), quantity: 0, account, entity: t.entity, ...split(gross, sign) });
    }
    let tax = 0;
    for (const l of t.lines) {
      const location = l.location ?? t.location;
      const vat = this.items.get(l.item)?.vatPercent ?? 0;
      const net = money ? divRound(l.amountCents * 100, 100 + vat) : 0;
      tax += money ? l.amountCents - net : 0;
      rows.push({
        uniqueKey: key(),
        item: l.item,
        location,
        quantity: STOCK_SIGN[t.type] * l.quantity,
        memo: l.description,
        ...(money ? { account: NS_ACCOUNTS.revenue, ...split(net, -sign) } : { debitCents: 0, creditCents: 0 }),
      });
    }
    if (tax !== 0) rows.push({ uniqueKey: key(), quantity: 0, account: NS_ACCOUNTS.taxPayable, ...split(tax, -sign) });
    return rows;
  }

  totalCents(t: NsTransaction): number {
    return t.lines.reduce((n, l) => n + l.amountCents, 0);
  }

  /** Moves stock for a transaction's lines; `sign` -1 takes a saved version back before it is replaced or deleted. */
  applyStock(t: NsTransaction, sign: 1 | -1): void {
    for (const l of t.tranLines) {
      if (!l.item || !l.location || l.quantity === 0) continue;
      const key = `${l.item}:${l.location}`;
      this.stock.set(key, (this.stock.get(key) ?? 0) + sign * l.quantity);
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
