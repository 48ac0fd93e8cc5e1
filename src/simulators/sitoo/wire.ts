// Sitoo wire shapes the simulator produces: REST order objects and Events SPI events.

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
  additionaldata: Record<string, string>;
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
}

export interface OrderEventData {
  eshop_id: number;
  order_id: number;
  warehouse_id?: number;
  order_event_type: 'add' | 'update' | 'ready-for-pickup' | 'pickup-rejected' | 'email-receipt';
  order_state_changed?: 'open' | 'closed' | 'cancelled';
}

export interface SitooEvent {
  event_id: string;
  event_type: string;
  event_date: number;
  account_id: number;
  data: OrderEventData;
}
