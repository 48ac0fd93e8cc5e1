import type { ErpPort } from '../../src/connectors/erp/port';
import type { Faults } from '../../src/simulators/faults';
import { BusinessCentralClient } from '../../src/connectors/erp/business-central/client';
import { NetSuiteClient } from '../../src/connectors/erp/netsuite/client';
import { BC_ACCOUNTS, startBusinessCentralSimulator } from '../../src/simulators/business-central';
import { startNetSuiteSimulator, type NsTransaction } from '../../src/simulators/netsuite';
import { NS_ACCOUNTS } from '../../src/simulators/netsuite/state';
import { SUITEQL_PATH } from '../../src/simulators/netsuite/suiteql';
import { CERTIFICATE_ID, certificateKeys, CLIENT_ID, privateKeyPem } from './netsuite';

/**
 * ERP fixtures for test/connectors/erp-conformance.test.ts: one per ERP adapter, each starting
 * that ERP's simulator and giving the suite an adapter-neutral way to seed master data, switch
 * faults and read back what the ERP holds. A third ERP joins the suite by adding its fixture to
 * `erpFixtures`; the cases stay as they are, and it is done when every case passes for it. The
 * one thing a fixture declares rather than shows is its document lifecycle (`documents`): whether
 * sales and returns are drafts posted by their own calls, or posted when created.
 */

export interface ErpFixtureOptions {
  /** The most records the ERP returns in one page of a look-up (default: the ERP's own cap). */
  pageSize?: number;
  /** How long the adapter waits for one response before giving up (default 5 s). */
  clientTimeoutMs?: number;
  /** The ERP server's clock (document defaults, token expiry). */
  now?: () => number;
}

/** The VAT rates every fixture's ERP must have set up (Sweden's: the stores' country). */
export type VatPercent = 25 | 12 | 6 | 0;

export interface ErpSeed {
  location(code: string): void;
  /**
   * A customer. `blocked` refuses every new document for it; `netPrices` sets its card to price net
   * of VAT (BC's "Prices Including VAT" off), which the adapter must override for till prices.
   */
  customer(number: string, opts?: { blocked?: boolean; netPrices?: boolean }): void;
  item(number: string, opts: { unitPriceCents: number; vatPercent: VatPercent; category?: string }): void;
  /** Stock received at a location outside the port (a purchase receipt). */
  receive(locationCode: string, itemNumber: string, quantity: number): void;
}

export interface ErpSalesDocumentRecord {
  kind: 'order' | 'invoice';
  customerNumber: string;
  /** YYYY-MM-DD as the ERP holds it. */
  postingDate: string;
  lines: Array<{ itemNumber: string; quantity: number; locationCode: string | undefined }>;
  /** For an invoice: the gross the ERP booked to the customer's receivables, in cents. */
  receivableCents?: number;
}

export interface ErpCreditMemoRecord {
  customerNumber: string;
  posted: boolean;
  postingDate: string;
  lines: Array<{ itemNumber: string; quantity: number; locationCode: string | undefined; description: string }>;
}

/** What the ERP holds, read from the simulator's own state: never through the adapter under test. */
export interface ErpInspect {
  /** Sales orders and posted invoices carrying this business key (any customer). */
  salesDocuments(externalDocumentNumber: string): ErpSalesDocumentRecord[];
  /** Credit memos, draft or posted, carrying this business key. */
  creditMemos(externalDocumentNumber: string): ErpCreditMemoRecord[];
  /** Posted stock adjustments carrying this business key. */
  stockAdjustments(externalDocumentNumber: string): number;
  /** Item ledger movements booked under this business key (stock adjustments, sales, returns). */
  stockMovements(externalDocumentNumber: string): number;
  stockAt(locationCode: string, itemNumber: string): number;
  /** G/L entries posted under a journal's document number, and draft lines of it still waiting in a batch. */
  journal(documentNumber: string): {
    entries: Array<{ accountNumber: string; amountCents: number; postingDate: string }>;
    draftLines: number;
  };
  /** Look-up requests that asked for a page after the first: proof that the adapter followed paging. */
  continuationReads(): number;
  /**
   * Requests that reached the ERP and may change data (a query sent as POST, like SuiteQL, is a
   * read): proof that an input the adapter refuses sends nothing, and a refusal is not resent.
   */
  writes(): number;
}

export interface RunningErp {
  /** The adapter under test, over real HTTP to the simulator. */
  port: ErpPort;
  /** A second adapter over the same ERP, as another worker process has. */
  anotherPort(): ErpPort;
  /** The simulator's fault switch (src/simulators/faults.ts): lost responses, late commits, 429, outage. */
  faults: Faults;
  seed: ErpSeed;
  inspect: ErpInspect;
  /** G/L accounts the day journal posts to, in the ERP's own numbering. */
  accounts: { cash: string; cardClearing: string; receivables: string };
  close(): Promise<void>;
}

/**
 * How the ERP's sales and returns come to be posted, as its adapter is configured:
 * - `drafts`: a sale is created as an open order and a return as a draft credit memo, each posted
 *   by its own call (shipAndInvoice, postSalesCreditMemo); a create that lands twice leaves twins,
 *   which the caller finds and sweeps before posting.
 * - `posted-on-save`: each is posted when it is created (the post calls only confirm it), and the
 *   create is an upsert on a key the adapter derives from the business key, so a second create (a
 *   retry, a late commit) lands on the first document: there are no twins to sweep.
 */
export type DocumentLifecycle = 'drafts' | 'posted-on-save';

export interface ErpFixture {
  name: string;
  documents: DocumentLifecycle;
  start(opts?: ErpFixtureOptions): Promise<RunningErp>;
}

const businessCentral: ErpFixture = {
  name: 'Business Central',
  documents: 'drafts',
  async start(opts = {}) {
    const sim = await startBusinessCentralSimulator({
      ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
    const { state } = sim;
    const newPort = () =>
      new BusinessCentralClient({
        apiBaseUrl: sim.apiBaseUrl,
        tokenUrl: sim.tokenUrl,
        companyId: sim.companyId,
        clientId: sim.clientId,
        clientSecret: sim.clientSecret,
        timeoutMs: opts.clientTimeoutMs ?? 5_000,
      });
    const key = (s: string) => s.trim().toUpperCase();
    const receivableCents = (documentNumber: string) =>
      state
        .glEntries()
        .filter((e) => e.documentNumber === documentNumber && e.accountNumber === BC_ACCOUNTS.receivables)
        .reduce((sum, e) => sum + e.amountCents, 0);
    return {
      port: newPort(),
      anotherPort: newPort,
      faults: sim.faults,
      seed: {
        location: (code) => void state.seedLocation({ code, displayName: code }),
        customer: (number, c = {}) =>
          void state.seedCustomer({
            number,
            displayName: number,
            blocked: c.blocked ? 'All' : ' ',
            pricesIncludeTax: !c.netPrices,
          }),
        item: (number, i) =>
          void state.seedItem({
            number,
            displayName: number,
            unitPrice: i.unitPriceCents / 100,
            vatPercent: i.vatPercent,
            ...(i.category ? { itemCategoryCode: i.category } : {}),
          }),
        receive: (locationCode, itemNumber, quantity) =>
          void state.postPurchaseReceipt(locationCode, itemNumber, quantity),
      },
      inspect: {
        salesDocuments: (ext) =>
          state
            .salesDocuments()
            .filter((d) => d.externalDocumentNumber === key(ext))
            .map((d) => ({
              kind: d.kind,
              customerNumber: d.customerNumber,
              postingDate: (state.salesOrders.get(d.id) ?? state.salesInvoices.get(d.id))!.postingDate,
              lines: d.lines.map((l) => ({
                itemNumber: l.itemNumber,
                quantity: l.quantity,
                locationCode: l.locationCode,
              })),
              ...(d.kind === 'invoice' ? { receivableCents: receivableCents(d.number) } : {}),
            })),
        creditMemos: (ext) =>
          state
            .creditMemos()
            .filter((m) => m.externalDocumentNumber === key(ext))
            .map((m) => ({
              customerNumber: m.customerNumber,
              posted: m.posted,
              postingDate: m.postingDate,
              lines: m.lines.map((l) => ({
                itemNumber: l.itemNumber,
                quantity: l.quantity,
                locationCode: l.locationCode,
                description: l.description,
              })),
            })),
        stockAdjustments: (ext) => state.stockAdjustments().filter((a) => a.externalDocumentNumber === key(ext)).length,
        stockMovements: (ext) => state.ledgerEntries().filter((e) => e.externalDocumentNumber === key(ext)).length,
        stockAt: (locationCode, itemNumber) => state.stockAt(locationCode, itemNumber),
        journal: (documentNumber) => ({
          entries: state
            .glEntries()
            .filter((e) => e.documentNumber === key(documentNumber))
            .map((e) => ({ accountNumber: e.accountNumber, amountCents: e.amountCents, postingDate: e.postingDate })),
          draftLines: state
            .journalDrafts()
            .flatMap((j) => j.lines)
            .filter((l) => l.documentNumber === key(documentNumber)).length,
        }),
        continuationReads: () =>
          state.requestLog.filter((r) => r.method === 'GET' && r.query.includes('skiptoken')).length,
        writes: () => state.requestLog.filter((r) => r.method !== 'GET').length,
      },
      accounts: {
        cash: BC_ACCOUNTS.cash,
        cardClearing: BC_ACCOUNTS.cardClearing,
        receivables: BC_ACCOUNTS.receivables,
      },
      close: () => sim.close(),
    };
  },
};

/**
 * NetSuite: stores are locations mapped by internal id, customers are matched by entity id, an
 * item's category is its class, and the business key sits in `otherRefNum` (sales, returns) or
 * in the external id (stock adjustments, whose key only the adapter knows how to spell).
 */
const netSuite: ErpFixture = {
  name: 'NetSuite',
  // Cash sales and credit memos (the adapter's configuration) post when saved.
  documents: 'posted-on-save',
  async start(opts = {}) {
    // The simulator's clock only checks tokens: NetSuite is always sent the document date, so
    // `opts.now` has nothing to move here (and would put the token checks a year off).
    const sim = await startNetSuiteSimulator({
      m2m: { clientId: CLIENT_ID, certificateId: CERTIFICATE_ID, publicKey: certificateKeys.publicKey },
    });
    const { state } = sim;
    // The mapping file's locations, filled as the suite sets the stores up.
    const locations: Record<string, string> = {};
    const newPort = () =>
      new NetSuiteClient({
        baseUrl: sim.url,
        accountId: sim.accountId,
        auth: { kind: 'oauth2-m2m', clientId: CLIENT_ID, certificateId: CERTIFICATE_ID, privateKeyPem },
        mapping: {
          locations,
          adjustmentAccountId: NS_ACCOUNTS.inventoryAdjustment,
          receivablesAccountId: NS_ACCOUNTS.receivables,
        },
        timeoutMs: opts.clientTimeoutMs ?? 5_000,
        backoffMs: () => 20,
        ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
      });
    const port = newPort();
    const same = (a: string | undefined, b: string) => a?.toUpperCase() === b.trim().toUpperCase();
    const locationCode = (id: string | undefined) => (id ? state.locations.get(id)?.name : undefined);
    const itemNumber = (id: string) => state.items.get(id)?.itemId ?? id;
    const locationId = (code: string) => {
      const id = locations[code];
      if (!id) throw new Error(`no location ${code} seeded`);
      return id;
    };
    const ofType = (...types: NsTransaction['type'][]) =>
      [...state.transactions.values()]
        .filter((t) => types.includes(t.type))
        .sort((a, b) => Number(a.id) - Number(b.id));
    const byKey = (t: NsTransaction, ext: string) =>
      same(t.otherRefNum, ext) || same(t.externalId, port.adjustmentExternalId(ext));
    const offsetOf = (query: string) => Number(new URLSearchParams(query).get('offset') ?? 0);
    return {
      port,
      anotherPort: newPort,
      faults: sim.faults,
      seed: {
        location: (code) => void (locations[code] = state.seedLocation({ name: code, externalId: code }).id),
        customer: (number, c = {}) => void state.seedCustomer({ entityId: number, isInactive: !!c.blocked }),
        item: (number, i) =>
          void state.seedItem({
            itemId: number,
            vatPercent: i.vatPercent,
            ...(i.category ? { className: i.category } : {}),
          }),
        receive: (code, number, quantity) =>
          void state.receive(number, locationId(code), quantity, new Date().toISOString().slice(0, 10)),
      },
      inspect: {
        salesDocuments: (ext) =>
          ofType('cashSale')
            .filter((t) => same(t.otherRefNum, ext))
            .map((t) => ({
              kind: 'invoice' as const,
              customerNumber: state.customers.get(t.entity)?.entityId ?? '',
              postingDate: t.tranDate,
              lines: t.lines.map((l) => ({
                itemNumber: itemNumber(l.item),
                quantity: l.quantity,
                locationCode: locationCode(l.location ?? t.location),
              })),
              // A cash sale is paid: what it books for the customer is the mainline's debit.
              receivableCents: t.tranLines.filter((l) => !l.item).reduce((n, l) => n + l.debitCents, 0),
            })),
        creditMemos: (ext) =>
          ofType('creditMemo', 'cashRefund')
            .filter((t) => same(t.otherRefNum, ext))
            .map((t) => ({
              customerNumber: state.customers.get(t.entity)?.entityId ?? '',
              posted: true,
              postingDate: t.tranDate,
              lines: t.lines.map((l) => ({
                itemNumber: itemNumber(l.item),
                quantity: l.quantity,
                locationCode: locationCode(l.location ?? t.location),
                description: l.description ?? '',
              })),
            })),
        stockAdjustments: (ext) =>
          ofType('inventoryAdjustment').filter((t) => same(t.externalId, port.adjustmentExternalId(ext))).length,
        stockMovements: (ext) =>
          ofType('cashSale', 'creditMemo', 'cashRefund', 'inventoryAdjustment')
            .filter((t) => byKey(t, ext))
            .flatMap((t) => t.tranLines.filter((l) => l.item && l.location && l.quantity !== 0)).length,
        stockAt: (code, number) => state.onHand(number, locationId(code)),
        journal: (documentNumber) => ({
          entries: ofType('journalEntry')
            .filter((t) => same(t.tranId, documentNumber))
            .flatMap((t) =>
              t.tranLines.map((l) => ({
                accountNumber: l.account ?? '',
                amountCents: l.debitCents - l.creditCents,
                postingDate: t.tranDate,
              })),
            ),
          // NetSuite has no journal batches: an entry is saved posted or not at all.
          draftLines: 0,
        }),
        continuationReads: () =>
          state.requestLog.filter((r) => r.path === SUITEQL_PATH && offsetOf(r.query) > 0).length,
        writes: () => state.requestLog.filter((r) => r.method !== 'GET' && r.path !== SUITEQL_PATH).length,
      },
      accounts: {
        cash: NS_ACCOUNTS.cash,
        cardClearing: NS_ACCOUNTS.cardClearing,
        receivables: NS_ACCOUNTS.receivables,
      },
      close: () => sim.close(),
    };
  },
};

/** Every ERP the service supports. */
export const erpFixtures: ErpFixture[] = [businessCentral, netSuite];
