import type { SimHandler, SimRequest, SimResponse, SimRoute } from '../http-server';
import { createSalesCreditMemo, postSalesCreditMemo } from './credit-memos';
import { financeSets } from './gl-entities';
import { journalRoutes } from './journal-routes';
import {
  companies,
  readableSets as salesSets,
  salesCreditMemoLines,
  salesCreditMemos,
  salesInvoiceLines,
  salesOrderLines,
  salesOrders,
  type EntitySet,
} from './entities';
import {
  BcError,
  checkCompany,
  collectionResponse,
  entityResponse,
  guard,
  jsonBody,
  keyParam,
  odataError,
  origin,
  type EntitySetSpec,
} from './odata';
import { checkIfMatch, createSalesOrder, parseLine, requireIfMatch, shipAndInvoice } from './sales';
import type { BcSalesCreditMemo, BcSalesOrder, BusinessCentralState } from './state';

/**
 * The API surface, routed the way BC online routes it: `/v2.0/{tenant?}/{environment}/api/v2.0`
 * then `companies({id})/{entitySet}`. Tenant and environment are checked by the `before` hook.
 */
export const API_PREFIX = String.raw`^(/v2\.0/(?:[^/]+/)?[^/]+/api/v2\.0)`;
const CO = String.raw`/companies\(([^)/]*)\)`;
const KEY = String.raw`\(([^)/]*)\)`;
const readableSets = { ...salesSets, ...financeSets };
const SET_NAMES = Object.keys(readableSets).join('|');

export interface RouteOptions {
  state: BusinessCentralState;
  pageSize: number;
}

export function apiRoutes({ state, pageSize }: RouteOptions): SimRoute[] {
  const company = (req: SimRequest): void => checkCompany(req, state.company.id);
  const spec = (req: SimRequest, set: EntitySet<unknown>, path: string): EntitySetSpec => ({
    type: set.type,
    fields: set.fields,
    expandable: set.expandable,
    contextUrl: `${origin(req)}${req.params[0]}/$metadata#companies(${state.company.id})/${path}`,
  });
  const order = (req: SimRequest, index: number): BcSalesOrder => {
    const found = state.salesOrders.get(keyParam(req.params[index]));
    if (!found)
      throw new BcError(404, 'BadRequest_NotFound', `The salesOrder with id '${req.params[index]}' does not exist.`);
    return found;
  };
  const creditMemo = (req: SimRequest): BcSalesCreditMemo => {
    const found = state.salesCreditMemos.get(keyParam(req.params[2]));
    if (!found)
      throw new BcError(404, 'BadRequest_NotFound', `The salesCreditMemo with id '${req.params[2]}' does not exist.`);
    return found;
  };
  const created = (req: SimRequest, response: SimResponse, id: string): SimResponse => ({
    ...response,
    headers: { ...response.headers, location: `${origin(req)}${req.path}(${id})` },
  });
  const route = (method: string, rest: string, handler: SimHandler, write = false): SimRoute => ({
    method,
    pattern: new RegExp(`${API_PREFIX}${rest}$`),
    handler: guard(handler),
    write,
  });

  return [
    route('GET', '/companies', (req) => {
      const ctx = { ...spec(req, companies, ''), contextUrl: `${origin(req)}${req.params[0]}/$metadata#companies` };
      return collectionResponse(
        req,
        ctx,
        companies.all(state).map((c) => companies.row(state, c)),
        pageSize,
      );
    }),
    route('GET', CO, (req) => {
      company(req);
      const ctx = { ...spec(req, companies, ''), contextUrl: `${origin(req)}${req.params[0]}/$metadata#companies` };
      return entityResponse(req, ctx, companies.row(state, state.company));
    }),
    route('GET', `${CO}/(${SET_NAMES})`, (req) => {
      company(req);
      const set = readableSets[req.params[2]!]!;
      const rows = (set.candidates?.(state, req.query.get('$filter')) ?? set.all(state)).map((e) => set.row(state, e));
      return collectionResponse(req, spec(req, set, set.name), rows, pageSize);
    }),
    route('GET', `${CO}/(${SET_NAMES})${KEY}`, (req) => {
      company(req);
      const set = readableSets[req.params[2]!]!;
      const id = keyParam(req.params[3]);
      const entity = set.all(state).find((e) => (e as { id: string }).id === id);
      if (!entity) throw new BcError(404, 'BadRequest_NotFound', `The ${set.type} with id '${id}' does not exist.`);
      return entityResponse(req, spec(req, set, set.name), set.row(state, entity));
    }),
    ...journalRoutes({
      state,
      pageSize,
      spec,
      created,
      route: (method, rest, handler, write) =>
        route(
          method,
          `${CO}${rest}`,
          (req) => {
            company(req);
            return handler(req);
          },
          write,
        ),
    }),
    route('GET', `${CO}/salesOrders${KEY}/salesOrderLines`, (req) => {
      company(req);
      const o = order(req, 2);
      return collectionResponse(
        req,
        spec(req, salesOrderLines, `salesOrders(${o.id})/salesOrderLines`),
        o.lines.map((l) => salesOrderLines.row(state, l)),
        pageSize,
      );
    }),
    route('GET', `${CO}/salesInvoices${KEY}/salesInvoiceLines`, (req) => {
      company(req);
      const invoice = state.salesInvoices.get(keyParam(req.params[2]));
      if (!invoice)
        throw new BcError(404, 'BadRequest_NotFound', `The salesInvoice with id '${req.params[2]}' does not exist.`);
      return collectionResponse(
        req,
        spec(req, salesInvoiceLines, `salesInvoices(${invoice.id})/salesInvoiceLines`),
        invoice.lines.map((l) => salesInvoiceLines.row(state, l)),
        pageSize,
      );
    }),
    route('GET', `${CO}/salesCreditMemos${KEY}/salesCreditMemoLines`, (req) => {
      company(req);
      const m = creditMemo(req);
      return collectionResponse(
        req,
        spec(req, salesCreditMemoLines, `salesCreditMemos(${m.id})/salesCreditMemoLines`),
        m.lines.map((l) => salesCreditMemoLines.row(state, l)),
        pageSize,
      );
    }),
    // BC loads lines per document: a top-level lines query must name the document.
    ...[salesOrderLines, salesCreditMemoLines].map((lines) =>
      route('GET', `${CO}/${lines.name}`, (req) => {
        company(req);
        if (!/\b(documentId|id)\s+eq\b/.test(req.query.get('$filter') ?? '')) {
          throw new BcError(
            400,
            'Application_DialogException',
            'You must specify an Id or a Document Id to get the lines.',
          );
        }
        return collectionResponse(
          req,
          spec(req, lines, lines.name),
          lines.all(state).map((l) => lines.row(state, l)),
          pageSize,
        );
      }),
    ),
    route(
      'POST',
      `${CO}/salesOrders`,
      (req) => {
        company(req);
        const o = createSalesOrder(state, jsonBody(req));
        return created(
          req,
          entityResponse(req, spec(req, salesOrders, 'salesOrders'), salesOrders.row(state, o), 201),
          o.id,
        );
      },
      true,
    ),
    route(
      'POST',
      `${CO}/salesOrders${KEY}/salesOrderLines`,
      (req) => {
        company(req);
        const o = order(req, 2);
        const next = Math.max(0, ...o.lines.map((l) => l.sequence)) + 10_000;
        const line = { ...parseLine(state, jsonBody(req), next), id: state.newId(), documentId: o.id };
        o.lines.push(line);
        state.touch(o);
        return created(
          req,
          entityResponse(
            req,
            spec(req, salesOrderLines, `salesOrders(${o.id})/salesOrderLines`),
            salesOrderLines.row(state, line),
            201,
          ),
          line.id,
        );
      },
      true,
    ),
    route(
      'POST',
      `${CO}/salesOrders${KEY}/Microsoft\\.NAV\\.shipAndInvoice`,
      (req) => {
        company(req);
        const o = order(req, 2);
        checkIfMatch(req.headers['if-match'], String(salesOrders.row(state, o).view['@odata.etag']));
        shipAndInvoice(state, o);
        return { status: 204 };
      },
      true,
    ),
    // Deleting an open order or a draft memo is how a twin made by a retry is taken back.
    route(
      'DELETE',
      `${CO}/salesOrders${KEY}`,
      (req) => {
        company(req);
        const o = order(req, 2);
        requireIfMatch(req.headers['if-match'], String(salesOrders.row(state, o).view['@odata.etag']));
        state.salesOrders.delete(o.id);
        return { status: 204 };
      },
      true,
    ),
    route(
      'DELETE',
      `${CO}/salesCreditMemos${KEY}`,
      (req) => {
        company(req);
        const m = creditMemo(req);
        requireIfMatch(req.headers['if-match'], String(salesCreditMemos.row(state, m).view['@odata.etag']));
        if (m.status !== 'Draft')
          throw new BcError(400, 'Application_DialogException', 'You cannot delete a posted credit memo.');
        state.salesCreditMemos.delete(m.id);
        return { status: 204 };
      },
      true,
    ),
    route(
      'POST',
      `${CO}/salesCreditMemos`,
      (req) => {
        company(req);
        const m = createSalesCreditMemo(state, jsonBody(req));
        return created(
          req,
          entityResponse(req, spec(req, salesCreditMemos, 'salesCreditMemos'), salesCreditMemos.row(state, m), 201),
          m.id,
        );
      },
      true,
    ),
    route(
      'POST',
      `${CO}/salesCreditMemos${KEY}/Microsoft\\.NAV\\.post`,
      (req) => {
        company(req);
        const m = creditMemo(req);
        checkIfMatch(req.headers['if-match'], String(salesCreditMemos.row(state, m).view['@odata.etag']));
        postSalesCreditMemo(state, m);
        return { status: 204 };
      },
      true,
    ),
  ];
}

/** Sets are read-only in the simulator unless a route above says otherwise. */
export function notFound(req: SimRequest): SimResponse {
  if (new RegExp(`${API_PREFIX}${CO}/(${SET_NAMES})(${KEY})?$`).test(req.path) && req.method !== 'GET') {
    return odataError(
      405,
      'BadRequest_MethodNotAllowed',
      `'${req.method}' requests for '${req.path.split('/').pop()}' are not supported by the Business Central simulator.`,
    );
  }
  return odataError(
    404,
    'BadRequest_NotFound',
    `No HTTP resource was found that matches the request URI '${req.path}'.`,
  );
}
