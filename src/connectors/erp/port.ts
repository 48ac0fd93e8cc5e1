/** The ERP as the sale flow needs it. Business Central implements it first; NetSuite later. */
export interface ErpSalesOrderLine {
  itemNumber: string;
  quantity: number;
  /** VAT-inclusive unit price. */
  unitPrice: number;
  /** The ERP location code the line is recorded at (mapped from the Sitoo warehouse). */
  locationCode: string;
}

export interface ErpSalesOrderInput {
  /** The Sitoo order id: the key that makes creation idempotent (looked up before create). */
  externalDocumentNumber: string;
  customerNumber: string;
  /** YYYY-MM-DD */
  orderDate: string;
  currencyCode?: string;
  lines: ErpSalesOrderLine[];
}

export interface ErpSalesDocument {
  kind: 'order' | 'invoice';
  id: string;
  number: string;
  externalDocumentNumber: string;
  /** For an order: whether it is still open (not yet shipped and invoiced). */
  status: string;
}

export interface ErpPort {
  /**
   * Every sales order and posted sales invoice carrying this external document number. The ERP
   * does not enforce uniqueness, so callers look here before creating.
   */
  findSalesDocuments(externalDocumentNumber: string, opts?: { signal?: AbortSignal }): Promise<ErpSalesDocument[]>;
  /** Creates the order with its lines in one request (deep insert). Not idempotent by itself. */
  createSalesOrder(input: ErpSalesOrderInput, opts?: { signal?: AbortSignal }): Promise<ErpSalesDocument>;
  /** Ships and invoices the order (posts it), which moves stock out at each line's location. */
  shipAndInvoice(orderId: string, opts?: { signal?: AbortSignal }): Promise<void>;
  /** Location id for a location code; undefined when the ERP has no such location. */
  findLocationId(code: string, opts?: { signal?: AbortSignal }): Promise<string | undefined>;
  /** Item numbers from the list that the ERP does not know. */
  findUnknownItems(itemNumbers: string[], opts?: { signal?: AbortSignal }): Promise<string[]>;
}
