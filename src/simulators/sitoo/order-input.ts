/** What the simulator's order writes take in (from REST bodies and the pos helpers), before Sitoo computes its money fields. */

/** An item as it arrives: money already in cents, the VAT-inclusive row total being what a till knows. */
export interface NewOrderItem {
  sku: string;
  productname: string;
  quantity: number;
  rowGrossCents: number;
  rowDiscountCents?: number;
  vatvalue: number;
  additionaldata?: Record<string, string>;
}

export interface NewOrder {
  ordertypeid: number;
  orderstateid?: number;
  paymentstateid?: number;
  warehouseid?: number | null;
  externalid?: string | null;
  creditorderid?: number | null;
  registerid?: string | null;
  orderdate?: number;
  /** Unix seconds; an open order holds its items' stock in its warehouse until then. */
  datereserved?: number | null;
  currencycode?: string;
  email?: string;
  namefirst?: string;
  namelast?: string;
  company?: string;
  comment?: string;
  checkouttypename?: string;
  additionaldata?: Record<string, string>;
  items: NewOrderItem[];
  /** Cash rounding: what was paid beyond (or short of) the lines' total. */
  roundoffCents?: number;
  payments: NewPayment[];
}

export interface NewPayment {
  name: string;
  moneyamount: string;
  externalid?: string | null;
  reftype?: string | null;
  refid?: string | null;
  cardissuer?: string | null;
  additionaldata?: Record<string, string>;
}
