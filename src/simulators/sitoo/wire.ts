// Sitoo wire shapes the simulator produces: REST order, stock objects and Events SPI events.

/** The order object as Sitoo REST v2 returns it (sitoo-api.md §3.4), limited to what we fill in. */
export interface WireOrderItem {
  orderitemid: number;
  orderitemtype: number;
  productid: number | null;
  productname: string;
  sku: string;
  productattributes: string;
  quantity: number;
  decimalunitquantity: string | null;
  moneynetpriceperunit: string;
  moneypriceorg: string;
  vatvalue: number;
  moneyitemtotal_net: string;
  moneyitemtotal_vat: string;
  moneyoriginalprice: string;
  moneydiscount: string;
  additionaldata: Record<string, string>;
}

export interface WirePayment {
  name: string;
  moneyamount: string;
  externalid: string | null;
  /** Card terminal reference type (e.g. "verifonelpp") and the reference the processor knows; only on card payments. */
  reftype?: string;
  refid?: string;
  cardissuer?: string;
  additionaldata: Record<string, string>;
}

/** One order log entry (transcribed `orderlogitem`): no id of its own, typed by `orderlogtypeid`. */
export interface WireOrderLogItem {
  datelog: number;
  orderid: number;
  orderlogtypeid: number;
  strvalue: string | null;
  fvalue: number | null;
}

export interface WireOrder {
  orderid: number;
  eshopid: number;
  externalid: string | null;
  creditorderid: number | null;
  registerid: string | null;
  warehouseid: number | null;
  orderstateid: number;
  paymentstateid: number;
  ordertypeid: number;
  orderdate: number;
  datereserved: number | null;
  currencycode: string;
  email: string;
  namefirst: string;
  namelast: string;
  company: string;
  comment: string;
  moneytotal_net: string;
  moneytotal_vat: string;
  moneyfinal_net: string;
  moneyfinal_vat: string;
  moneytotal_gross_roundoff: string;
  moneytotal_gross_all: string;
  checkouttypename: string;
  deliverytypename: string;
  additionaldata: Record<string, string>;
  orderitems: WireOrderItem[];
  payments: WirePayment[];
  orderlogitems: WireOrderLogItem[];
}

export interface OrderEventData {
  eshop_id: number;
  order_id: number;
  warehouse_id?: number;
  order_event_type: 'add' | 'update' | 'ready-for-pickup' | 'pickup-rejected' | 'email-receipt';
  order_state_changed?: 'open' | 'closed' | 'cancelled';
}

/**
 * Sitoo documents the `warehouse-transaction` event type but not its payload (sitoo-api.md §9,
 * NOT FOUND). This is our guess, shaped like OrderData: snake_case ids to dereference over REST.
 */
export interface WarehouseTransactionEventData {
  eshop_id: number;
  warehouse_id: number;
  warehouse_transaction_id: number;
}

interface EventEnvelope<Type extends string, Data> {
  event_id: string;
  event_type: Type;
  event_date: number;
  account_id: number;
  data: Data;
}

export type SitooEvent =
  EventEnvelope<'order', OrderEventData> | EventEnvelope<'warehouse-transaction', WarehouseTransactionEventData>;

/** One SKU's line in a warehouse transaction (an "item log"); quantities are 3-decimal strings. */
export interface WireWarehouseItemLog {
  sku: string;
  /** Signed change. */
  decimalquantity: string;
  /** Level after the change. */
  decimaltotal: string;
  warehouseitemid: number;
  warehouseitemlogid: number;
}

/** A warehouse transaction as REST v2 returns it (sitoo-api.md §6), without the money fields. */
export interface WireWarehouseTransaction {
  warehousetransactionid: number;
  warehouseid: number;
  datecreated: number;
  transactiontype: number;
  description: string;
  orderdeliveryid: number | null;
  shipmentid: number | null;
  externalid: string | null;
  reasoncode: string | null;
  items: WireWarehouseItemLog[];
}

export interface WireWarehouseItem {
  warehouseitemid: number;
  warehouseid: number;
  sku: string;
  binlocation: string;
  decimalthreshold: string;
  decimaltotal: string;
  moneytotal: string;
  datelastmodified: number | null;
  datelaststocktaking: number | null;
  decimalreserved: string;
  decimalavailable: string;
}

/** Site settings (`GET /sites/{siteid}/settings.json`), the few the integration reads (sitoo-api.md §5, §7, §10). */
export interface WireSiteSettings {
  /** IANA zone the site's business days are counted in. */
  timezone: string;
  currencycode: string;
  pricesstoredwithvat: boolean;
  num_days_until_pickup_expires: number;
  numdaysreserved: number;
}

/** A POS payment type (`pospaymenttypes.json`, a bare array): the name orders carry, and its method. */
export interface WirePosPaymentType {
  paymenttypeid: number;
  paymentmethodid: number;
  name: string;
  sortorder: number;
  externalid: string | null;
}

export interface WireCashRegister {
  registerid: string;
  registerkey: string;
  warehouseid: number;
  currencycode: string;
  company: string;
}

export interface WireZVatGroup {
  vatvalue: number;
  moneytotal: string;
  moneytotalnet: string;
  moneytotalvat: string;
}

export interface WireZPayment {
  name: string;
  moneytotal: string;
  moneycaptured: string;
  moneyinadvance: string;
  moneyreserved: string;
  subpayments: unknown[];
}

/**
 * A `PosZReport` (sitoo-api.md §8), the subset the simulator fills. Refund totals are
 * magnitudes: the reference gives `moneysummarysubtotal` as sales minus refunds.
 */
export interface WireZReport {
  zreportid: number;
  registerid: string;
  registerkey: string;
  datecreated: number;
  dateopened: number | null;
  dateadded: number;
  eshopid: number;
  store_id: string | null;
  store_name: string;
  currencycode: string;
  moneysalestotal: string;
  moneysalestotalnet: string;
  numsales: number;
  numsalesitems: number;
  vatgroupssales: WireZVatGroup[];
  moneyrefundtotal: string;
  moneyrefundtotalnet: string;
  numrefund: number;
  numrefunditems: number;
  vatgroupsrefund: WireZVatGroup[];
  moneyroundoff: string;
  moneysummarysales: string;
  moneysummaryrefund: string;
  moneysummarysubtotal: string;
  moneysummaryroundoff: string;
  moneysummarytotal: string;
  paymentssales: WireZPayment[];
  paymentsrefund: WireZPayment[];
  moneycash_expected: string;
  moneycash_counted: string | null;
  moneycash_diff: string | null;
  numreceipts: number;
}
