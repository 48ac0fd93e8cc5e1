import type { SimHandler, SimRequest, SimResponse, SimRoute } from '../http-server';
import { defineSet, iso } from './entities';
import {
  BcError,
  checkCompany,
  collectionResponse,
  entityResponse,
  etag,
  guard,
  keyParam,
  odataError,
  origin,
} from './odata';
import type { BcPriceListLine, BusinessCentralState } from './state';

/**
 * The retailer's catalogue API (docs/erp-extension.md): API v2.0 has no price entity
 * (master-data-api.md §1.4), so the extension publishes BaseApp's Price List Line as an API page
 * (`APIPublisher = 'retail'`, `APIGroup = 'catalogue'`, `APIVersion = 'v1.0'`, `ODataKeyFields =
 * SystemId`), served beside the standard API like the stock API. The shape is ours, not
 * Microsoft's: field names follow the table fields camel-cased, as BC's own API pages name them.
 */
export const CATALOGUE_API_PREFIX = String.raw`^(/v2\.0/(?:[^/]+/)?[^/]+/api/retail/catalogue/v1\.0)`;
export const CATALOGUE_API_PATH = 'retail/catalogue/v1.0';
const CO = String.raw`/companies\(([^)/]*)\)`;
const KEY = String.raw`\(([^)/]*)\)`;
/** BC's blank date and time as API pages serve them. */
const BLANK_DATE = '0001-01-01';
const BLANK_TIME = '00:00:00';

export const priceListLines = defineSet({
  name: 'priceListLines',
  type: 'priceListLine',
  fields: [
    'id',
    'priceListCode',
    'assetType',
    'assetNo',
    'variantCode',
    'unitOfMeasureCode',
    'unitPrice',
    'priceIncludesTax',
    'startingDate',
    'endingDate',
    'startingTime',
    'status',
    'lastModifiedDateTime',
  ] as const,
  enums: ['assetType', 'status'],
  all: (s) => [...s.priceListLines.values()],
  view: (_s, l: BcPriceListLine) => ({
    id: l.id,
    priceListCode: l.priceListCode,
    assetType: l.assetType,
    assetNo: l.assetNo,
    variantCode: l.variantCode,
    unitOfMeasureCode: l.unitOfMeasureCode,
    unitPrice: l.unitPrice,
    priceIncludesTax: l.priceIncludesTax,
    startingDate: l.startingDate || BLANK_DATE,
    endingDate: l.endingDate || BLANK_DATE,
    // The extension's one table field: BC's line has a date only, and a campaign may start mid-day.
    // A Time field nobody filled in is 0T, served as midnight, which is what an unused start means.
    startingTime: l.startingTime ? `${l.startingTime}:00`.slice(0, 8) : BLANK_TIME,
    status: l.status,
    lastModifiedDateTime: iso(l.lastModified),
  }),
  seq: (l) => l.seq,
  etagOf: (l) => etag(l),
});

export function catalogueApiRoutes({ state, pageSize }: { state: BusinessCentralState; pageSize: number }): SimRoute[] {
  const spec = (req: SimRequest) => ({
    type: priceListLines.type,
    fields: priceListLines.fields,
    contextUrl: `${origin(req)}${req.params[0]}/$metadata#companies(${state.company.id})/priceListLines`,
  });
  const route = (rest: string, handler: SimHandler): SimRoute => ({
    method: 'GET',
    pattern: new RegExp(`${CATALOGUE_API_PREFIX}${CO}${rest}$`),
    handler: guard((req) => {
      checkCompany(req, state.company.id);
      return handler(req);
    }),
  });
  return [
    route('/priceListLines', (req) =>
      collectionResponse(
        req,
        spec(req),
        priceListLines.all(state).map((l) => priceListLines.row(state, l)),
        pageSize,
      ),
    ),
    route(`/priceListLines${KEY}`, (req) => {
      const id = keyParam(req.params[2]);
      const line = state.priceListLines.get(id);
      if (!line) throw new BcError(404, 'BadRequest_NotFound', `The priceListLine with id '${id}' does not exist.`);
      return entityResponse(req, spec(req), priceListLines.row(state, line));
    }),
  ];
}

/** Refusals for the catalogue API's paths no route serves; undefined when the path is not ours. */
export function catalogueApiNotFound(req: SimRequest): SimResponse | undefined {
  if (!new RegExp(CATALOGUE_API_PREFIX).test(req.path)) return undefined;
  if (new RegExp(`${CATALOGUE_API_PREFIX}${CO}/priceListLines(${KEY})?$`).test(req.path)) {
    // Prices are mastered in BC and entered there; the integration only reads them.
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
