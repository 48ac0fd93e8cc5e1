import { randomUUID } from 'node:crypto';
import type { SimHandler, SimRequest, SimResponse } from '../http-server';
import { evaluate, filterFields, FilterError, parseFilter } from './filter';

/** A refusal in Business Central's own shape; thrown anywhere in a handler, rendered by the route wrapper. */
export class BcError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** BC appends a correlation id to every error message; support asks for it, so clients should log it. */
export function odataError(
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): SimResponse {
  return { status, headers, body: { error: { code, message: `${message}  CorrelationId: ${randomUUID()}.` } } };
}

/** Renders a thrown BcError as BC's error envelope; anything else is a simulator bug and propagates. */
export function guard(handler: SimHandler): SimHandler {
  return async (req) => {
    try {
      return await handler(req);
    } catch (err) {
      if (err instanceof BcError) return odataError(err.status, err.code, err.message, err.headers);
      throw err;
    }
  };
}

export function jsonBody(req: SimRequest): unknown {
  if (req.rawBody && req.body === undefined)
    throw new BcError(400, 'BadRequest_InvalidRequestBody', 'The request body is not valid JSON.');
  return req.body;
}

/** Routes capture the API root as params[0] and the company key as params[1]. */
export function checkCompany(req: SimRequest, companyId: string): void {
  const id = req.params[1] ?? '';
  if (id.toLowerCase() !== companyId) {
    throw new BcError(
      404,
      'Internal_CompanyNotFound',
      `Cannot process the request because the company '${id}' cannot be found.`,
    );
  }
}

export function etag(entity: { seq: number; version: number }): string {
  return `W/"${Buffer.from(`'${entity.seq};${entity.version};'`).toString('base64')}"`;
}

/**
 * API v2.0 serves every enum and option field as its OData member name: each character other than
 * a letter, digit or underscore is written `_xHHHH_`, so 'G/L Account' goes out as
 * 'G_x002F_L_x0020_Account' and the blank option ' ' as '_x0020_'. Records here hold the caption.
 */
export function enumMember(caption: string): string {
  return caption.replace(/[^A-Za-z0-9_]/g, (c) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`);
}

/**
 * An enum value from a request body, as its caption: BC takes the member name, and also the
 * caption its API reference's examples send (`"accountType": "G/L Account"`). Anything else is
 * left for the caller to refuse as "not an option".
 */
export function enumCaption(raw: unknown): unknown {
  return typeof raw === 'string'
    ? raw.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    : raw;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value);
}

/** Keys are GUIDs written unquoted: `salesOrders(5f1c...)`. Anything else is a malformed URL. */
export function keyParam(raw: string | undefined): string {
  if (!isGuid(raw))
    throw new BcError(
      400,
      'BadRequest_InvalidRequestUrl',
      `Bad Request - Error in query syntax. '${raw}' is not a valid key.`,
    );
  return raw.toLowerCase();
}

/** Scheme and authority the caller used, so links work whichever port the simulator got. */
export function origin(req: SimRequest): string {
  return `http://${req.headers.host ?? '127.0.0.1'}`;
}

export interface EntityRow {
  /** Insertion order: the stable key behind `$skiptoken`, so deletes between pages do not skip rows. */
  seq: number;
  view: Record<string, unknown>;
  expand?: Record<string, () => Record<string, unknown>[]>;
}

export interface EntitySetSpec {
  /** OData type name for error messages, e.g. `salesOrder`. */
  type: string;
  fields: readonly string[];
  expandable?: readonly string[];
  contextUrl: string;
}

const SUPPORTED_OPTIONS = new Set(['$filter', '$expand', '$top', '$skiptoken', '$select', '$orderby', 'company']);

function checkOptions(req: SimRequest): void {
  for (const key of req.query.keys()) {
    if (key.startsWith('$') && !SUPPORTED_OPTIONS.has(key)) {
      throw new BcError(
        501,
        'BadRequest_MethodNotImplemented',
        `The query option '${key}' is not implemented by the Business Central simulator.`,
      );
    }
  }
}

export function parseExpand(req: SimRequest, spec: EntitySetSpec): string[] {
  const raw = req.query.get('$expand');
  if (!raw) return [];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!spec.expandable?.includes(name)) {
      throw new BcError(
        400,
        'BadRequest_NotFound',
        `Could not find a property named '${name}' on type 'Microsoft.NAV.${spec.type}'.`,
      );
    }
  }
  return names;
}

function selectFields(req: SimRequest, spec: EntitySetSpec): string[] | undefined {
  const raw = req.query.get('$select');
  if (!raw) return undefined;
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!spec.fields.includes(name)) {
      throw new BcError(
        400,
        'BadRequest_NotFound',
        `Could not find a property named '${name}' on type 'Microsoft.NAV.${spec.type}'.`,
      );
    }
  }
  return names;
}

function render(row: EntityRow, expand: string[], select: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { '@odata.etag': row.view['@odata.etag'] };
  for (const [k, v] of Object.entries(row.view)) if (k !== '@odata.etag' && (!select || select.includes(k))) out[k] = v;
  for (const name of expand) out[name] = row.expand?.[name]?.() ?? [];
  return out;
}

export function entityResponse(
  req: SimRequest,
  spec: EntitySetSpec,
  row: EntityRow,
  status = 200,
  headers: Record<string, string> = {},
): SimResponse {
  checkOptions(req);
  const body = {
    '@odata.context': `${spec.contextUrl}/$entity`,
    ...render(row, parseExpand(req, spec), selectFields(req, spec)),
  };
  return { status, body, headers: { etag: String(row.view['@odata.etag']), ...headers } };
}

interface OrderKey {
  field: string;
  desc: boolean;
}

function parseOrderBy(req: SimRequest, spec: EntitySetSpec): OrderKey[] {
  const raw = req.query.get('$orderby');
  if (!raw) return [];
  return raw.split(',').map((part) => {
    const [field = '', dir = 'asc', extra] = part.trim().split(/\s+/);
    if (extra !== undefined || (dir !== 'asc' && dir !== 'desc'))
      throw new BcError(400, 'BadRequest_InvalidRequestUrl', `Invalid $orderby clause '${part.trim()}'.`);
    if (!spec.fields.includes(field))
      throw new BcError(
        400,
        'BadRequest_NotFound',
        `Could not find a property named '${field}' on type 'Microsoft.NAV.${spec.type}'.`,
      );
    return { field, desc: dir === 'desc' };
  });
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** The sort position of a row: the ordered fields, then insertion order so ties never reorder between pages. */
type Cursor = unknown[];
const cursorOf = (row: EntityRow, order: OrderKey[]): Cursor => [...order.map((k) => row.view[k.field]), row.seq];
function compareCursors(a: Cursor, b: Cursor, order: OrderKey[]): number {
  for (let i = 0; i < order.length; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return order[i]!.desc ? -c : c;
  }
  return compareValues(a[order.length], b[order.length]);
}

function decodeSkipToken(token: string, order: OrderKey[]): Cursor {
  let cursor: unknown;
  try {
    cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    cursor = undefined;
  }
  if (!Array.isArray(cursor) || cursor.length !== order.length + 1 || !Number.isInteger(cursor[order.length])) {
    throw new BcError(400, 'BadRequest_InvalidToken', 'The skip token is not valid.');
  }
  return cursor;
}

function preferredPageSize(req: SimRequest): number | undefined {
  const prefer = req.headers['prefer'];
  const match = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(Array.isArray(prefer) ? prefer.join(',') : (prefer ?? ''));
  return match ? Math.max(1, Number(match[1])) : undefined;
}

/**
 * Server-driven paging as BC does it: the server caps a page, the client may lower the cap with
 * `Prefer: odata.maxpagesize`, and `@odata.nextLink` is present only while more rows exist.
 */
export function collectionResponse(
  req: SimRequest,
  spec: EntitySetSpec,
  rows: EntityRow[],
  serverPageSize: number,
): SimResponse {
  checkOptions(req);
  const expand = parseExpand(req, spec);
  const select = selectFields(req, spec);
  let matching = rows;
  const filter = req.query.get('$filter');
  if (filter) {
    let tree;
    try {
      tree = parseFilter(filter);
    } catch (err) {
      if (err instanceof FilterError) throw new BcError(400, err.code, err.message);
      throw err;
    }
    for (const f of filterFields(tree)) {
      if (!spec.fields.includes(f))
        throw new BcError(
          400,
          'BadRequest_NotFound',
          `Could not find a property named '${f}' on type 'Microsoft.NAV.${spec.type}'.`,
        );
    }
    matching = rows.filter((r) => evaluate(tree, r.view));
  }
  const order = parseOrderBy(req, spec);
  matching = [...matching].sort((a, b) => compareCursors(cursorOf(a, order), cursorOf(b, order), order));
  const skiptoken = req.query.get('$skiptoken');
  if (skiptoken !== null) {
    // Keyset paging: rows inserted or deleted between pages neither repeat nor get skipped.
    const after = decodeSkipToken(skiptoken, order);
    matching = matching.filter((r) => compareCursors(cursorOf(r, order), after, order) > 0);
  }
  const topRaw = req.query.get('$top');
  const top = topRaw === null ? undefined : Number(topRaw);
  if (top !== undefined && (!Number.isInteger(top) || top < 0))
    throw new BcError(400, 'BadRequest_InvalidRequestUrl', `Invalid value '${topRaw}' for $top.`);

  const preferred = preferredPageSize(req);
  const pageSize = Math.min(serverPageSize, preferred ?? serverPageSize);
  const take = Math.min(pageSize, top ?? Infinity);
  const page = matching.slice(0, take);
  const remainingTop = top === undefined ? undefined : top - page.length;
  const more = matching.length > page.length && (remainingTop === undefined || remainingTop > 0);

  const body: Record<string, unknown> = {
    '@odata.context': spec.contextUrl,
    value: page.map((r) => render(r, expand, select)),
  };
  if (more) {
    const params = new URLSearchParams(req.query);
    params.set(
      '$skiptoken',
      Buffer.from(JSON.stringify(cursorOf(page[page.length - 1]!, order))).toString('base64url'),
    );
    if (remainingTop !== undefined) params.set('$top', String(remainingTop));
    const qs = [...params].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    body['@odata.nextLink'] = `${origin(req)}${req.path}?${qs}`;
  }
  const headers: Record<string, string> = {};
  if (preferred !== undefined) headers['preference-applied'] = `odata.maxpagesize=${pageSize}`;
  return { status: 200, body, headers };
}
