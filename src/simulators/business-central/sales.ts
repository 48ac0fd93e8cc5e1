import { BcError, enumCaption, isGuid } from './odata';
import type { BcCustomer, BcSalesLine, BcSalesOrder, BusinessCentralState } from './state';

/**
 * Validation of sales order writes, mirroring what BC's API pages and Sales Header/Line tables
 * refuse. Error codes follow BC's families: AL `Error()` in the API page -> Application_DialogException,
 * a failed record lookup -> Internal_RecordNotFound, an unknown JSON property -> BadRequest_NotFound.
 * A deep insert is one transaction: everything is validated before anything is stored.
 */
const HEADER_PROPS = new Set([
  'externalDocumentNumber',
  'orderDate',
  'postingDate',
  'customerId',
  'customerNumber',
  'currencyCode',
  'pricesIncludeTax',
  'salesOrderLines',
]);
const LINE_PROPS = new Set([
  'sequence',
  'lineType',
  'itemId',
  'lineObjectNumber',
  'description',
  'quantity',
  'unitPrice',
  'discountAmount',
  'locationId',
]);

type NewLine = Omit<BcSalesLine, 'id' | 'documentId'>;

export function asObject(value: unknown, type: string, allowed: ReadonlySet<string>): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BcError(
      400,
      'BadRequest_InvalidRequestBody',
      `The request body must be a JSON object of type 'Microsoft.NAV.${type}'.`,
    );
  }
  for (const key of Object.keys(value)) {
    if (!allowed.has(key) && !key.startsWith('@odata.')) {
      throw new BcError(
        400,
        'BadRequest_NotFound',
        `The property '${key}' does not exist on type 'Microsoft.NAV.${type}'. Make sure to only use property names that are defined by the type.`,
      );
    }
  }
  return value as Record<string, unknown>;
}

/** AL Code[n]: upper-cased and trimmed on assignment; too long is an error, not a truncation. */
export function codeField(value: unknown, field: string, max: number): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string')
    throw new BcError(
      400,
      'BadRequest_InvalidRequestBody',
      `Cannot convert the value of '${field}' to the expected type 'Edm.String'.`,
    );
  const code = value.trim().toUpperCase();
  if (code.length > max) {
    throw new BcError(
      400,
      'Application_StringExceededLength',
      `The length of the string is ${code.length}, but it must be less than or equal to ${max} characters. Value: ${code}`,
    );
  }
  return code;
}

/** AL Text[n]: kept as sent (not upper-cased), but too long is still an error. */
export function textField(value: unknown, field: string, max: number): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string')
    throw new BcError(
      400,
      'BadRequest_InvalidRequestBody',
      `Cannot convert the value of '${field}' to the expected type 'Edm.String'.`,
    );
  if (value.length > max) {
    throw new BcError(
      400,
      'Application_StringExceededLength',
      `The length of the string is ${value.length}, but it must be less than or equal to ${max} characters. Value: ${value}`,
    );
  }
  return value;
}

export function dateField(value: unknown, field: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new BcError(
      400,
      'BadRequest_InvalidRequestBody',
      `Cannot convert the literal '${String(value)}' of '${field}' to the expected type 'Edm.Date'.`,
    );
  }
  return value;
}

export function booleanField(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean')
    throw new BcError(
      400,
      'BadRequest_InvalidRequestBody',
      `Cannot convert the value of '${field}' to the expected type 'Edm.Boolean'.`,
    );
  return value;
}

export function numberField(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new BcError(
      400,
      'BadRequest_InvalidRequestBody',
      `Cannot convert the value of '${field}' to the expected type 'Edm.Decimal'.`,
    );
  }
  return value;
}

/** Order and credit memo lines share BC's Sales Line table, so they validate alike. */
export function parseLine(
  state: BusinessCentralState,
  raw: unknown,
  sequence: number,
  type = 'salesOrderLine',
): NewLine {
  const body = asObject(raw, type, LINE_PROPS);
  const hasItem = body['itemId'] !== undefined || body['lineObjectNumber'] !== undefined;
  const lineType = enumCaption(body['lineType'] ?? (hasItem ? 'Item' : 'Comment'));
  if (lineType !== 'Item' && lineType !== 'Comment') {
    const known = ['Account', 'Resource', 'Fixed Asset', 'Charge'].includes(String(lineType));
    throw new BcError(
      400,
      known ? 'BadRequest_MethodNotImplemented' : 'Application_EvaluateException',
      known
        ? `Line type '${String(lineType)}' is not supported by the simulator.`
        : `The value "${String(lineType)}" is not an option for "lineType".`,
    );
  }
  const line: NewLine = {
    sequence: numberField(body['sequence'], 'sequence', sequence),
    lineType,
    lineObjectNumber: '',
    description: textField(body['description'], 'description', 100),
    quantity: numberField(body['quantity'], 'quantity', 0),
    unitPrice: 0,
  };
  if (lineType === 'Item') {
    let item;
    if (body['itemId'] !== undefined) {
      item = isGuid(body['itemId']) ? state.items.get(body['itemId'].toLowerCase()) : undefined;
      if (!item) throw new BcError(400, 'Application_DialogException', 'The "itemId" does not match to an Item.');
    } else {
      const number = codeField(body['lineObjectNumber'], 'lineObjectNumber', 20);
      item = state.itemByNumber(number);
      if (!item)
        throw new BcError(
          400,
          'Internal_RecordNotFound',
          `The Item does not exist. Identification fields and values: No.='${number}'`,
        );
    }
    line.itemId = item.id;
    line.lineObjectNumber = item.number;
    line.description ||= item.displayName;
    line.unitPrice = numberField(body['unitPrice'], 'unitPrice', item.unitPrice);
    line.taxPercent = item.vatPercent;
    const discount = numberField(body['discountAmount'], 'discountAmount', 0);
    if (discount < 0 || discount > Math.abs(line.quantity * line.unitPrice) + 1e-9) {
      throw new BcError(
        400,
        'Application_FieldValidationException',
        `Line Discount Amount must be between 0 and ${line.quantity * line.unitPrice} in Sales Line.`,
      );
    }
    if (discount) line.discountAmount = discount;
  }
  if (body['locationId'] !== undefined) {
    const location = isGuid(body['locationId']) ? state.locations.get(body['locationId'].toLowerCase()) : undefined;
    if (!location)
      throw new BcError(400, 'Application_DialogException', 'The "locationId" does not match to a Location.');
    line.locationId = location.id;
  }
  return line;
}

export function createSalesOrder(state: BusinessCentralState, raw: unknown): BcSalesOrder {
  const body = asObject(raw, 'salesOrder', HEADER_PROPS);
  const externalDocumentNumber = codeField(body['externalDocumentNumber'], 'externalDocumentNumber', 35);
  const currencyCode = codeField(body['currencyCode'], 'currencyCode', 10);
  const orderDate = dateField(body['orderDate'], 'orderDate', state.today());
  const postingDate = dateField(body['postingDate'], 'postingDate', orderDate);

  const customer = resolveCustomer(state, body);
  // The order may say whether its prices include VAT; otherwise the customer card decides.
  const pricesIncludeTax =
    body['pricesIncludeTax'] === undefined
      ? customer.pricesIncludeTax
      : booleanField(body['pricesIncludeTax'], 'pricesIncludeTax');
  const rawLines = body['salesOrderLines'] ?? [];
  if (!Array.isArray(rawLines))
    throw new BcError(400, 'BadRequest_InvalidRequestBody', "'salesOrderLines' must be a collection.");
  const lines = rawLines.map((l, i) => parseLine(state, l, (i + 1) * 10_000));

  return state.createOrder(
    {
      externalDocumentNumber,
      orderDate,
      postingDate,
      customerId: customer.id,
      customerNumber: customer.number,
      customerName: customer.displayName,
      currencyCode,
      pricesIncludeTax,
    },
    lines,
  );
}

export function resolveCustomer(state: BusinessCentralState, body: Record<string, unknown>): BcCustomer {
  let customer;
  if (body['customerId'] !== undefined) {
    customer = isGuid(body['customerId']) ? state.customers.get(body['customerId'].toLowerCase()) : undefined;
    if (!customer)
      throw new BcError(400, 'Application_DialogException', 'The "customerId" does not match to a Customer.');
  } else if (body['customerNumber'] !== undefined) {
    const number = codeField(body['customerNumber'], 'customerNumber', 20);
    customer = state.customerByNumber(number);
    if (!customer)
      throw new BcError(400, 'Application_DialogException', 'The "customerNumber" does not match to a Customer.');
  } else {
    throw new BcError(400, 'Application_DialogException', 'A "customerNumber" or a "customerId" must be provided.');
  }
  // BC's Customer.CheckBlockedCustOnDocs: a card blocked "All" takes no new document of any type.
  if (customer.blocked === 'All')
    throw new BcError(
      400,
      'Application_DialogException',
      `You cannot create this type of document when Customer ${customer.number} is blocked with type All`,
    );
  return customer;
}

/** PATCH and DELETE must carry If-Match (the entity's ETag, or `*`). */
export function requireIfMatch(ifMatch: string | string[] | undefined, currentEtag: string): void {
  if (!(Array.isArray(ifMatch) ? ifMatch[0] : ifMatch)) {
    throw new BcError(
      400,
      'BadRequest_InvalidToken',
      'Could not validate the client concurrency token required by the service. Please provide a valid token in the client request.',
    );
  }
  checkIfMatch(ifMatch, currentEtag);
}

/** BC checks an ETag on a bound action only when the caller sends one. */
export function checkIfMatch(ifMatch: string | string[] | undefined, currentEtag: string): void {
  const value = Array.isArray(ifMatch) ? ifMatch[0] : ifMatch;
  if (value && value !== '*' && value !== currentEtag) {
    throw new BcError(409, 'Request_EntityChanged', 'Another user has already changed the record.');
  }
}

export function shipAndInvoice(state: BusinessCentralState, order: BcSalesOrder): void {
  if (!order.lines.some((l) => l.lineType === 'Item' && l.quantity !== 0)) {
    throw new BcError(400, 'Application_DialogException', 'There is nothing to post.');
  }
  state.postOrder(order);
}
