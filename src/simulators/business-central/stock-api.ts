import type { SimHandler, SimRequest, SimResponse, SimRoute } from '../http-server';
import { defineSet, iso, type EntitySet } from './entities';
import {
  BcError,
  checkCompany,
  collectionResponse,
  entityResponse,
  etag,
  guard,
  jsonBody,
  keyParam,
  odataError,
  origin,
  type EntitySetSpec,
} from './odata';
import { asObject, codeField, dateField, numberField } from './sales';
import type { BcStockAdjustment, BcStockAdjustmentLine, BusinessCentralState, LocationStockRow } from './state';

/**
 * The retailer's AL extension (docs/erp-extension.md): the standard v2.0 API has no per-location
 * stock and no item journal, so this custom API supplies both. BC serves custom APIs beside the
 * standard one as `/api/{publisher}/{group}/{version}`, same host, tenant, environment and token.
 */
export const STOCK_API_PREFIX = String.raw`^(/v2\.0/(?:[^/]+/)?[^/]+/api/retailIntegration/stock/v1\.0)`;
const CO = String.raw`/companies\(([^)/]*)\)`;
const KEY = String.raw`\(([^)/]*)\)`;

/**
 * An AL API *query* (Item Ledger Entry grouped by item and location, Quantity summed): read-only,
 * no key and no ETag, which is why it is not built with defineSet.
 */
export const locationStocks: EntitySet<LocationStockRow> = {
  name: 'locationStocks',
  type: 'locationStock',
  fields: ['itemNumber', 'locationCode', 'inventory', 'lastModifiedDateTime'],
  all: (s) => s.locationStock(),
  row: (_s, r) => ({
    seq: r.seq,
    view: {
      itemNumber: r.itemNumber,
      locationCode: r.locationCode,
      inventory: r.inventory,
      lastModifiedDateTime: iso(r.lastModified),
    },
  }),
};

export const stockAdjustmentLines = defineSet({
  name: 'stockAdjustmentLines',
  type: 'stockAdjustmentLine',
  fields: ['id', 'documentId', 'lineNumber', 'itemNumber', 'quantity'] as const,
  all: (s: BusinessCentralState) => [...s.adjustments.values()].flatMap((a) => a.lines),
  view: (_s, l: BcStockAdjustmentLine) => ({ ...l }),
  seq: (l) => l.lineNumber,
  etagOf: (l) => etag({ seq: l.lineNumber, version: 1 }),
});

export const stockAdjustments = defineSet({
  name: 'stockAdjustments',
  type: 'stockAdjustment',
  fields: [
    'id',
    'number',
    'externalDocumentNumber',
    'postingDate',
    'locationCode',
    'description',
    'status',
    'lastModifiedDateTime',
  ] as const,
  enums: ['status'],
  all: (s) => [...s.adjustments.values()],
  view: (_s, a: BcStockAdjustment) => ({
    id: a.id,
    number: a.number,
    externalDocumentNumber: a.externalDocumentNumber,
    postingDate: a.postingDate,
    locationCode: a.locationCode,
    description: a.description,
    status: a.status,
    lastModifiedDateTime: iso(a.lastModified),
  }),
  seq: (a) => a.seq,
  etagOf: (a) => etag(a),
  expand: { stockAdjustmentLines: (s, a) => a.lines.map((l) => stockAdjustmentLines.row(s, l).view) },
});

const HEADER_PROPS = new Set([
  'externalDocumentNumber',
  'postingDate',
  'locationCode',
  'description',
  'stockAdjustmentLines',
]);
const LINE_PROPS = new Set(['itemNumber', 'quantity']);

/** AL TestField wording: the message names the field, so the caller knows what to fix. */
function mustHaveValue(field: string, table: string): BcError {
  return new BcError(
    400,
    'Application_DialogException',
    `${field} must have a value in ${table}. It cannot be zero or empty.`,
  );
}

/** AL TableRelation wording, naming both the field and the value that has no related record. */
function notInRelatedTable(field: string, table: string, value: string, related: string): BcError {
  return new BcError(
    400,
    'Internal_RecordNotFound',
    `The field ${field} of table ${table} contains a value (${value}) that cannot be found in the related table (${related}).`,
  );
}

/**
 * Deep insert = one transaction, as the extension's OnInsert posts through Item Jnl.-Post Line:
 * everything is validated first, then the adjustment and its ledger entries are written together.
 * Unlike BC's sales documents, the extension keeps externalDocumentNumber unique (a secondary key
 * on its table): a second adjustment with the same number is refused with 409, so a retry or a
 * request committed after its client gave up can never post a store's stock change twice.
 */
export function createStockAdjustment(state: BusinessCentralState, raw: unknown): BcStockAdjustment {
  const body = asObject(raw, 'stockAdjustment', HEADER_PROPS);
  const externalDocumentNumber = codeField(body['externalDocumentNumber'], 'externalDocumentNumber', 35);
  if (!externalDocumentNumber) throw mustHaveValue('externalDocumentNumber', 'Stock Adjustment');
  const postingDate = dateField(body['postingDate'], 'postingDate', state.today());
  const locationCode = codeField(body['locationCode'], 'locationCode', 10);
  if (!locationCode) throw mustHaveValue('locationCode', 'Stock Adjustment');
  if (!state.locationByCode(locationCode))
    throw notInRelatedTable('locationCode', 'Stock Adjustment', locationCode, 'Location');
  const description = body['description'] ?? '';
  if (typeof description !== 'string')
    throw new BcError(
      400,
      'BadRequest_InvalidRequestBody',
      "Cannot convert the value of 'description' to the expected type 'Edm.String'.",
    );
  if (description.length > 100) {
    throw new BcError(
      400,
      'Application_StringExceededLength',
      `The length of the string is ${description.length}, but it must be less than or equal to 100 characters. Value: ${description}`,
    );
  }

  const rawLines = body['stockAdjustmentLines'] ?? [];
  if (!Array.isArray(rawLines))
    throw new BcError(400, 'BadRequest_InvalidRequestBody', "'stockAdjustmentLines' must be a collection.");
  if (rawLines.length === 0)
    throw new BcError(400, 'Application_DialogException', 'There is nothing to post: stockAdjustmentLines is empty.');
  const lines = rawLines.map((rawLine, i) => {
    const line = asObject(rawLine, 'stockAdjustmentLine', LINE_PROPS);
    const itemNumber = codeField(line['itemNumber'], 'itemNumber', 20);
    if (!itemNumber) throw mustHaveValue('itemNumber', 'Stock Adjustment Line');
    if (!state.itemByNumber(itemNumber))
      throw notInRelatedTable('itemNumber', 'Stock Adjustment Line', itemNumber, 'Item');
    const quantity = numberField(line['quantity'], 'quantity', 0);
    if (quantity === 0)
      throw new BcError(
        400,
        'Application_DialogException',
        `quantity must not be 0 in Stock Adjustment Line: Line No.=${(i + 1) * 10_000}.`,
      );
    return { itemNumber, quantity };
  });
  // The key is checked on insert, after the fields are validated, as a table's unique key is.
  if ([...state.adjustments.values()].some((a) => a.externalDocumentNumber === externalDocumentNumber)) {
    throw new BcError(
      409,
      'Internal_EntityWithSameKeyExists',
      `The record in table Stock Adjustment already exists. Identification fields and values: External Document No.='${externalDocumentNumber}'`,
    );
  }
  return state.postStockAdjustment(
    { externalDocumentNumber, postingDate, locationCode, description: description.trim() },
    lines,
  );
}

export function stockApiRoutes({ state, pageSize }: { state: BusinessCentralState; pageSize: number }): SimRoute[] {
  const spec = (req: SimRequest, set: EntitySet<never>, path: string): EntitySetSpec => ({
    type: set.type,
    fields: set.fields,
    expandable: set.expandable,
    contextUrl: `${origin(req)}${req.params[0]}/$metadata#companies(${state.company.id})/${path}`,
  });
  const adjustment = (req: SimRequest): BcStockAdjustment => {
    const id = keyParam(req.params[2]);
    const found = state.adjustments.get(id);
    if (!found) throw new BcError(404, 'BadRequest_NotFound', `The stockAdjustment with id '${id}' does not exist.`);
    return found;
  };
  const route = (method: string, rest: string, handler: SimHandler, write = false): SimRoute => ({
    method,
    pattern: new RegExp(`${STOCK_API_PREFIX}${CO}${rest}$`),
    handler: guard((req) => {
      checkCompany(req, state.company.id);
      return handler(req);
    }),
    write,
  });
  const adjSpec = (req: SimRequest, path = 'stockAdjustments') => spec(req, stockAdjustments as EntitySet<never>, path);

  return [
    route('GET', '/locationStocks', (req) =>
      collectionResponse(
        req,
        spec(req, locationStocks as EntitySet<never>, 'locationStocks'),
        state.locationStock().map((r) => locationStocks.row(state, r)),
        pageSize,
      ),
    ),
    route('GET', '/stockAdjustments', (req) =>
      collectionResponse(
        req,
        adjSpec(req),
        stockAdjustments.all(state).map((a) => stockAdjustments.row(state, a)),
        pageSize,
      ),
    ),
    route('GET', `/stockAdjustments${KEY}`, (req) =>
      entityResponse(req, adjSpec(req), stockAdjustments.row(state, adjustment(req))),
    ),
    route('GET', `/stockAdjustments${KEY}/stockAdjustmentLines`, (req) => {
      const a = adjustment(req);
      const lineSpec = spec(
        req,
        stockAdjustmentLines as EntitySet<never>,
        `stockAdjustments(${a.id})/stockAdjustmentLines`,
      );
      return collectionResponse(
        req,
        lineSpec,
        a.lines.map((l) => stockAdjustmentLines.row(state, l)),
        pageSize,
      );
    }),
    route(
      'POST',
      '/stockAdjustments',
      (req) => {
        const a = createStockAdjustment(state, jsonBody(req));
        const response = entityResponse(req, adjSpec(req), stockAdjustments.row(state, a), 201);
        return { ...response, headers: { ...response.headers, location: `${origin(req)}${req.path}(${a.id})` } };
      },
      true,
    ),
  ];
}

/** Refusals for the custom API's paths that no route serves; undefined when the path is not ours. */
export function stockApiNotFound(req: SimRequest): SimResponse | undefined {
  if (!new RegExp(STOCK_API_PREFIX).test(req.path)) return undefined;
  if (new RegExp(`${STOCK_API_PREFIX}${CO}/(locationStocks|stockAdjustments)(${KEY})?$`).test(req.path)) {
    return odataError(
      405,
      'BadRequest_MethodNotAllowed',
      `'${req.method}' requests for '${req.path.split('/').pop()}' are not supported.`,
    );
  }
  return odataError(
    404,
    'BadRequest_NotFound',
    `No HTTP resource was found that matches the request URI '${req.path}'.`,
  );
}
