import type { ErpPort } from '../../src/connectors/erp/port';
import type { Faults } from '../../src/simulators/faults';
import { BusinessCentralClient } from '../../src/connectors/erp/business-central/client';
import { BC_ACCOUNTS, startBusinessCentralSimulator } from '../../src/simulators/business-central';

/**
 * ERP fixtures for test/connectors/erp-conformance.test.ts: one per ERP adapter, each starting
 * that ERP's simulator and giving the suite an adapter-neutral way to seed master data, switch
 * faults and read back what the ERP holds. A third ERP joins the suite by adding its fixture to
 * `erpFixtures`; the cases stay as they are, and it is done when every case passes for it.
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

export interface ErpFixture {
  name: string;
  start(opts?: ErpFixtureOptions): Promise<RunningErp>;
}

const businessCentral: ErpFixture = {
  name: 'Business Central',
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

/** Every ERP the service supports. NetSuite's fixture goes here beside Business Central's. */
export const erpFixtures: ErpFixture[] = [businessCentral];
