import { OrderState } from '../../domain/sale';
import { formatCents, splitGross, requireCents } from './money';
import { registerIdFor } from './pos-omni';
import type { SitooState } from './state';
import type {
  WireCashRegister,
  WirePosPaymentType,
  WireSiteSettings,
  WireZPayment,
  WireZReport,
  WireZVatGroup,
} from './wire';

/**
 * What a store's business day needs besides its orders (sitoo-api.md §6, §8, §10): the site's
 * settings (time zone), its POS payment types, its cash registers and their Z-reports.
 */
export interface CloseRegister {
  warehouseId: number;
  /** Default: the warehouse's own till (the one recordSale uses when given none). */
  registerId?: string;
  /** When the register was closed: the report's datecreated. */
  at: Date;
  /** When the report reached the backend (dateadded); default `at`. Later plays a register that was offline. */
  addedAt?: Date;
  /**
   * A receipt on the register that never reached the backend: adds this gross (25 % VAT, paid by
   * `skewPaymentName`, default Card; negative for a refund) to the report only, so reconciliation
   * has a gap to find.
   */
  skewCents?: number;
  skewPaymentName?: string;
  /** Counted minus expected cash; without it the drawer counts as not counted. */
  cashDifferenceCents?: number;
}

/** Method ids from sitoo-api.md §3.4 (pos-payment-types); names are what a fresh account shows. */
const DEFAULT_PAYMENT_TYPES: Array<[number, string]> = [
  [100, 'Cash'],
  [300, 'Card'],
  [500, 'Gift Card'],
  [110, 'Credit Note'],
  [710, 'Swish'],
  [600, 'Invoice'],
  [2100, 'Adyen'],
];
const CASH_METHOD = 100;
const MAX_Z_REPORTS = 500;

export class SitooDay {
  readonly settings: WireSiteSettings = {
    timezone: 'Europe/Stockholm',
    currencycode: 'SEK',
    pricesstoredwithvat: true,
    num_days_until_pickup_expires: 7,
    numdaysreserved: 14,
  };
  readonly paymentTypes: WirePosPaymentType[] = DEFAULT_PAYMENT_TYPES.map(([method, name], i) => ({
    paymenttypeid: i + 1,
    paymentmethodid: method,
    name,
    sortorder: i,
    externalid: null,
  }));
  /** Tills other than each warehouse's default one, by registerid. */
  private readonly extraRegisters = new Map<string, number>();
  /** Ascending by dateadded, as the endpoint serves them. */
  readonly reports: WireZReport[] = [];
  private readonly lastClose = new Map<string, { zreportid: number; datecreated: number }>();

  constructor(private readonly state: SitooState) {}

  setTimeZone(zone: string): void {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
    } catch {
      throw new Error(`Sitoo simulator: not an IANA time zone: ${zone}`);
    }
    this.settings.timezone = zone;
  }

  knowRegister(registerId: string, warehouseId: number): void {
    if (registerId !== registerIdFor(warehouseId)) this.extraRegisters.set(registerId, warehouseId);
  }

  cashRegisters(): WireCashRegister[] {
    const registers: WireCashRegister[] = [];
    const add = (registerid: string, warehouseid: number) => {
      const warehouse = this.state.warehouses.get(warehouseid);
      registers.push({
        registerid,
        registerkey: `SIM${warehouseid}`,
        warehouseid,
        currencycode: warehouse?.currencycode ?? 'SEK',
        company: warehouse?.name ?? '',
      });
    };
    for (const id of this.state.warehouses.keys()) add(registerIdFor(id), id);
    for (const [registerid, warehouseid] of this.extraRegisters) add(registerid, warehouseid);
    return registers;
  }

  /** `GET /pos-z-reports`: dateadded bounds inclusive (documented), ascending, at most 500. */
  listZReports(f: {
    eshopIds?: number[];
    storeIds?: string[];
    registerIds?: string[];
    addedFrom?: number;
    addedTo?: number;
  }): WireZReport[] {
    const out: WireZReport[] = [];
    for (const r of this.reports) {
      if (f.eshopIds && !f.eshopIds.includes(r.eshopid)) continue;
      if (f.storeIds && (r.store_id === null || !f.storeIds.includes(r.store_id))) continue;
      if (f.registerIds && !f.registerIds.includes(r.registerid)) continue;
      if (
        (f.addedFrom !== undefined && r.dateadded < f.addedFrom) ||
        (f.addedTo !== undefined && r.dateadded > f.addedTo)
      )
        continue;
      out.push(r);
      if (out.length === MAX_Z_REPORTS) break;
    }
    return out;
  }

  /**
   * Closes a register: one Z-report over the closed orders it rang up since its previous closing
   * (by orderdate, [previous close, at)). A receipt dated before the previous closing that only
   * synced afterwards is in no report; a real register would have had it in the earlier one.
   */
  closeRegister(input: CloseRegister): WireZReport {
    const warehouse = this.state.warehouses.get(input.warehouseId);
    if (!warehouse) throw new Error(`Sitoo simulator: warehouse ${input.warehouseId} is not seeded`);
    const registerid = input.registerId ?? registerIdFor(input.warehouseId);
    this.knowRegister(registerid, input.warehouseId);
    const at = Math.floor(input.at.getTime() / 1000);
    const previous = this.lastClose.get(registerid);
    if (previous && at <= previous.datecreated)
      throw new Error(
        `Sitoo simulator: register ${registerid} was last closed at ${previous.datecreated}; close it later than that`,
      );
    const sum = new ZSum(this.cashNames());
    let firstDate: number | undefined;
    for (const o of this.state.byWarehouse.from(input.warehouseId)) {
      if (o.registerid !== registerid || o.orderstateid !== OrderState.Closed || o.orderdate >= at) continue;
      if (previous && o.orderdate < previous.datecreated) continue;
      firstDate = Math.min(firstDate ?? o.orderdate, o.orderdate);
      sum.order(
        o.orderitems.map((i) => ({
          gross: requireCents(i.moneyitemtotal_net) + requireCents(i.moneyitemtotal_vat),
          net: requireCents(i.moneyitemtotal_net),
          vatPercent: i.vatvalue,
          quantity: i.quantity,
        })),
        o.payments,
        requireCents(o.moneytotal_gross_roundoff),
      );
    }
    if (input.skewCents) {
      const { net } = splitGross(input.skewCents, 25);
      sum.order(
        [{ gross: input.skewCents, net, vatPercent: 25, quantity: 1 }],
        [{ name: input.skewPaymentName ?? 'Card', moneyamount: formatCents(input.skewCents) }],
        0,
      );
    }
    const zreportid = (previous?.zreportid ?? 0) + 1;
    this.lastClose.set(registerid, { zreportid, datecreated: at });
    const report = sum.report(
      {
        zreportid,
        registerid,
        registerkey: `SIM${input.warehouseId}`,
        datecreated: at,
        dateopened: previous?.datecreated ?? firstDate ?? at,
        dateadded: input.addedAt ? Math.floor(input.addedAt.getTime() / 1000) : at,
        eshopid: this.state.eshopId,
        store_id: warehouse.storeid !== null ? String(warehouse.storeid) : null,
        store_name: warehouse.name,
        currencycode: warehouse.currencycode,
      },
      input.cashDifferenceCents,
    );
    let i = this.reports.length;
    while (i > 0 && this.reports[i - 1]!.dateadded > report.dateadded) i--;
    this.reports.splice(i, 0, report);
    return report;
  }

  private cashNames(): Set<string> {
    return new Set(this.paymentTypes.filter((t) => t.paymentmethodid === CASH_METHOD).map((t) => t.name));
  }
}

type Identity = Pick<
  WireZReport,
  | 'zreportid'
  | 'registerid'
  | 'registerkey'
  | 'datecreated'
  | 'dateopened'
  | 'dateadded'
  | 'eshopid'
  | 'store_id'
  | 'store_name'
  | 'currencycode'
>;

/** Running totals of one closing; refunds are kept as magnitudes, as the report shows them. */
class ZSum {
  private sales = {
    gross: 0,
    net: 0,
    items: 0,
    count: 0,
    vat: new Map<number, { gross: number; net: number }>(),
    pay: new Map<string, number>(),
  };
  private refund = {
    gross: 0,
    net: 0,
    items: 0,
    count: 0,
    vat: new Map<number, { gross: number; net: number }>(),
    pay: new Map<string, number>(),
  };
  private roundoff = 0;
  private cash = 0;

  constructor(private readonly cashNames: Set<string>) {}

  order(
    lines: Array<{ gross: number; net: number; vatPercent: number; quantity: number }>,
    payments: Array<{ name: string; moneyamount: string }>,
    roundoff: number,
  ): void {
    const total = lines.reduce((s, l) => s + l.gross, 0);
    (total < 0 ? this.refund : this.sales).count++;
    for (const l of lines) {
      const side = l.gross < 0 ? this.refund : this.sales;
      side.gross += Math.abs(l.gross);
      side.net += Math.abs(l.net);
      side.items += Math.abs(l.quantity);
      const group = side.vat.get(l.vatPercent) ?? { gross: 0, net: 0 };
      group.gross += Math.abs(l.gross);
      group.net += Math.abs(l.net);
      side.vat.set(l.vatPercent, group);
    }
    for (const p of payments) {
      const cents = requireCents(p.moneyamount);
      const side = cents < 0 ? this.refund : this.sales;
      side.pay.set(p.name, (side.pay.get(p.name) ?? 0) + Math.abs(cents));
      if (this.cashNames.has(p.name)) this.cash += cents;
    }
    this.roundoff += roundoff;
  }

  report(id: Identity, cashDifference: number | undefined): WireZReport {
    const subtotal = this.sales.gross - this.refund.gross;
    const vatGroups = (m: Map<number, { gross: number; net: number }>): WireZVatGroup[] =>
      [...m]
        .sort(([a], [b]) => a - b)
        .map(([vatvalue, g]) => ({
          vatvalue,
          moneytotal: formatCents(g.gross),
          moneytotalnet: formatCents(g.net),
          moneytotalvat: formatCents(g.gross - g.net),
        }));
    const payments = (m: Map<string, number>): WireZPayment[] =>
      [...m].map(([name, cents]) => ({
        name,
        moneytotal: formatCents(cents),
        moneycaptured: formatCents(cents),
        moneyinadvance: '0.00',
        moneyreserved: '0.00',
        subpayments: [],
      }));
    return {
      ...id,
      moneysalestotal: formatCents(this.sales.gross),
      moneysalestotalnet: formatCents(this.sales.net),
      numsales: this.sales.count,
      numsalesitems: this.sales.items,
      vatgroupssales: vatGroups(this.sales.vat),
      moneyrefundtotal: formatCents(this.refund.gross),
      moneyrefundtotalnet: formatCents(this.refund.net),
      numrefund: this.refund.count,
      numrefunditems: this.refund.items,
      vatgroupsrefund: vatGroups(this.refund.vat),
      moneyroundoff: formatCents(this.roundoff),
      moneysummarysales: formatCents(this.sales.gross),
      moneysummaryrefund: formatCents(this.refund.gross),
      moneysummarysubtotal: formatCents(subtotal),
      moneysummaryroundoff: formatCents(this.roundoff),
      moneysummarytotal: formatCents(subtotal + this.roundoff),
      paymentssales: payments(this.sales.pay),
      paymentsrefund: payments(this.refund.pay),
      moneycash_expected: formatCents(this.cash),
      moneycash_counted: cashDifference === undefined ? null : formatCents(this.cash + cashDifference),
      moneycash_diff: cashDifference === undefined ? null : formatCents(cashDifference),
      numreceipts: this.sales.count + this.refund.count,
    };
  }
}
