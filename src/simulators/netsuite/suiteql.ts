import { formatCents } from '../../domain/money';
import type { SimRequest, SimResponse } from '../http-server';
import { nsError } from './errors';
import { TYPE_CODE, type NetSuiteState, type NsTransaction } from './state';

export const SUITEQL_PATH = '/services/rest/query/v1/suiteql';

type Row = Record<string, string | undefined>;

/**
 * SuiteQL over the simulated records (reference §5.2): `Prefer: transient` required, `limit` at
 * most 1000, `offset` a multiple of `limit`, values as strings, empty values left out. It is no
 * SQL engine: it knows the statement shapes the adapter sends (below) and refuses any other with
 * a 400 naming what it could not read, so a query the adapter changes cannot pass untested.
 */
const TRANSACTIONS =
  "SELECT t.id, t.recordtype, t.tranid, t.externalid, t.otherrefnum, TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate, t.foreigntotal, c.entityid AS customer FROM transaction t JOIN customer c ON c.id = t.entity WHERE ";
const ITEMS = /^SELECT id, itemid FROM item WHERE itemid IN \((\?(?:, \?)*)\) ORDER BY id$/i;
const LOCATION = /^SELECT id, name, externalid, isinactive FROM location WHERE (id|externalid) = \?$/i;
const CUSTOMER = /^SELECT id, entityid(, isinactive)? FROM customer WHERE entityid = \?$/i;
const CATEGORIES =
  /^SELECT i\.itemid, (?:BUILTIN\.DF\(i\.class\)|i\.(custitem_[a-z0-9_]+)) AS category FROM item i WHERE i\.itemid IN \((\?(?:, \?)*)\) ORDER BY i\.id$/i;
const BY_EXTERNAL_ID = /^SELECT t\.id, t\.tranid, t\.type FROM transaction t WHERE t\.externalid = \?$/i;
const POSTED_LINES =
  /^SELECT COUNT\(\*\) AS lines FROM transactionaccountingline tal WHERE tal\.transaction = \? AND tal\.posting = 'T'$/i;
const LEDGER =
  /^SELECT tl\.uniquekey, t\.type, t\.tranid, TO_CHAR\(t\.trandate, 'YYYY-MM-DD'\) AS trandate, i\.itemid, tl\.quantity FROM transactionline tl JOIN transaction t ON t\.id = tl\.transaction JOIN item i ON i\.id = tl\.item WHERE tl\.uniquekey > \? AND tl\.isinventoryaffecting = 'T' ORDER BY tl\.uniquekey$/i;
const GL =
  /^SELECT tl\.uniquekey, TO_CHAR\(t\.trandate, 'YYYY-MM-DD'\) AS trandate, t\.tranid, t\.type, tal\.account, tl\.memo, tal\.debit, tal\.credit FROM transactionaccountingline tal JOIN transaction t ON t\.id = tal\.transaction JOIN transactionline tl ON tl\.transaction = tal\.transaction AND tl\.id = tal\.transactionline WHERE tal\.posting = 'T' AND t\.trandate BETWEEN TO_DATE\(\?, 'YYYY-MM-DD'\) AND TO_DATE\(\?, 'YYYY-MM-DD'\)( AND t\.tranid = \?)? ORDER BY tl\.uniquekey$/i;
const STOCK =
  /^SELECT i\.itemid, iil\.quantityonhand FROM inventoryitemlocations iil JOIN item i ON i\.id = iil\.item WHERE iil\.location = \? ORDER BY i\.id$/i;

/** Conditions the transaction look-ups combine with AND, each with its bind count. */
const TRANSACTION_CONDITIONS: Array<{ re: RegExp; binds: number; test: (t: Row, p: string[]) => boolean }> = [
  { re: /^t\.externalid = \?/i, binds: 1, test: (t, [v]) => t.externalid?.toLowerCase() === v!.toLowerCase() },
  { re: /^t\.recordtype = \?/i, binds: 1, test: (t, [v]) => t.recordtype === v },
  { re: /^t\.otherrefnum = \?/i, binds: 1, test: (t, [v]) => t.otherrefnum === v },
  { re: /^c\.entityid = \?/i, binds: 1, test: (t, [v]) => t.customer === v },
  {
    re: /^t\.trandate BETWEEN TO_DATE\(\?, 'YYYY-MM-DD'\) AND TO_DATE\(\?, 'YYYY-MM-DD'\)/i,
    binds: 2,
    test: (t, [from, to]) => t.trandate! >= from! && t.trandate! <= to!,
  },
];

class QueryRefused extends Error {}

export function suiteqlHandler(state: NetSuiteState) {
  return (req: SimRequest): SimResponse => {
    const prefer = String(req.headers.prefer ?? '');
    if (!/\btransient\b/i.test(prefer))
      return nsError(400, 'INVALID_PARAMETER', 'SuiteQL requests must carry the header Prefer: transient.');
    const limit = req.query.has('limit') ? Number(req.query.get('limit')) : 1000;
    const offset = req.query.has('offset') ? Number(req.query.get('offset')) : 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return nsError(400, 'INVALID_PARAMETER', `Invalid limit ${req.query.get('limit')}: it must be 1 to 1000.`, {
        path: 'limit',
      });
    if (!Number.isInteger(offset) || offset < 0 || offset % limit !== 0)
      return nsError(
        400,
        'INVALID_PARAMETER',
        `Invalid offset ${req.query.get('offset')}: it must be a multiple of the limit (${limit}).`,
        {
          path: 'offset',
        },
      );
    const body = (req.body ?? {}) as { q?: unknown; params?: unknown };
    if (typeof body.q !== 'string') return nsError(400, 'INVALID_CONTENT', 'The body must be {"q": "<SuiteQL>"}.');
    const params = Array.isArray(body.params) ? body.params.map(String) : [];
    let rows: Row[];
    try {
      rows = run(state, body.q.replace(/\s+/g, ' ').trim(), params);
    } catch (err) {
      if (!(err instanceof QueryRefused)) throw err;
      return nsError(400, 'INVALID_PARAMETER', `Invalid search query: ${err.message}`);
    }
    if (rows.length > 100_000) return nsError(400, 'INVALID_PARAMETER', 'The query returns more than 100000 rows.');
    const page = rows.slice(offset, offset + limit);
    const hasMore = offset + limit < rows.length;
    const self = `${SUITEQL_PATH}?limit=${limit}&offset=${offset}`;
    return {
      status: 200,
      body: {
        links: [
          { rel: 'self', href: self },
          ...(hasMore ? [{ rel: 'next', href: `${SUITEQL_PATH}?limit=${limit}&offset=${offset + limit}` }] : []),
        ],
        count: page.length,
        hasMore,
        offset,
        totalResults: rows.length,
        items: page.map((r) => ({
          links: [],
          ...Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined && v !== '')),
        })),
      },
    };
  };
}

function binds(q: string, params: string[], expected: number): void {
  if (params.length !== expected) throw new QueryRefused(`${expected} bind values expected, ${params.length} given`);
  void q;
}

function run(state: NetSuiteState, q: string, params: string[]): Row[] {
  if (q.toUpperCase().startsWith(TRANSACTIONS.toUpperCase()))
    return transactions(state, q.slice(TRANSACTIONS.length), params);
  let m = ITEMS.exec(q);
  if (m) {
    binds(q, params, m[1]!.split(',').length);
    if (params.length > 1000) throw new QueryRefused('at most 1000 values in an IN list');
    const wanted = new Set(params);
    return [...state.items.values()].filter((i) => wanted.has(i.itemId)).map((i) => ({ id: i.id, itemid: i.itemId }));
  }
  m = LOCATION.exec(q);
  if (m) {
    binds(q, params, 1);
    const by = m[1]!.toLowerCase();
    return [...state.locations.values()]
      .filter((l) => (by === 'id' ? l.id === params[0] : l.externalId?.toLowerCase() === params[0]!.toLowerCase()))
      .map((l) => ({ id: l.id, name: l.name, externalid: l.externalId, isinactive: l.isInactive ? 'T' : 'F' }));
  }
  if (CUSTOMER.test(q)) {
    binds(q, params, 1);
    return [...state.customers.values()]
      .filter((c) => c.entityId === params[0])
      .map((c) => ({ id: c.id, entityid: c.entityId, isinactive: c.isInactive ? 'T' : 'F' }));
  }
  m = CATEGORIES.exec(q);
  if (m) {
    binds(q, params, m[2]!.split(',').length);
    const custom = m[1]?.toLowerCase();
    const wanted = new Set(params);
    return [...state.items.values()]
      .filter((i) => wanted.has(i.itemId))
      .map((i) => ({
        itemid: i.itemId,
        category: custom ? i.custom[custom] : i.classId && state.classes.get(i.classId),
      }));
  }
  if (BY_EXTERNAL_ID.test(q)) {
    binds(q, params, 1);
    return [...state.transactions.values()]
      .filter((t) => t.externalId?.toLowerCase() === params[0]!.toLowerCase())
      .map((t) => ({ id: t.id, tranid: t.tranId, type: TYPE_CODE[t.type] }));
  }
  if (POSTED_LINES.test(q)) {
    binds(q, params, 1);
    const t = state.transactions.get(params[0]!);
    return [{ lines: String(t ? glLines(t).length : 0) }];
  }
  if (LEDGER.test(q)) {
    binds(q, params, 1);
    const after = Number(params[0]);
    return sortedTransactions(state)
      .flatMap((t) =>
        t.tranLines
          .filter((l) => l.item && l.location && l.quantity !== 0 && l.uniqueKey > after)
          .map((l) => ({
            uniquekey: String(l.uniqueKey),
            type: TYPE_CODE[t.type],
            tranid: t.tranId,
            trandate: t.tranDate,
            itemid: state.items.get(l.item!)?.itemId,
            quantity: String(l.quantity),
          })),
      )
      .sort((a, b) => Number(a.uniquekey) - Number(b.uniquekey));
  }
  m = GL.exec(q);
  if (m) {
    binds(q, params, m[1] ? 3 : 2);
    const [from, to, tranId] = params as [string, string, string | undefined];
    return sortedTransactions(state)
      .filter((t) => t.tranDate >= from && t.tranDate <= to && (tranId === undefined || t.tranId === tranId))
      .flatMap((t) =>
        glLines(t).map((l) => ({
          uniquekey: String(l.uniqueKey),
          trandate: t.tranDate,
          tranid: t.tranId,
          type: TYPE_CODE[t.type],
          account: l.account,
          memo: l.memo,
          debit: l.debitCents ? formatCents(l.debitCents) : undefined,
          credit: l.creditCents ? formatCents(l.creditCents) : undefined,
        })),
      )
      .sort((a, b) => Number(a.uniquekey) - Number(b.uniquekey));
  }
  if (STOCK.test(q)) {
    binds(q, params, 1);
    return [...state.items.values()].flatMap((i) => {
      const onHand = state.stock.get(`${i.id}:${params[0]}`);
      return onHand === undefined ? [] : [{ itemid: i.itemId, quantityonhand: String(onHand) }];
    });
  }
  throw new QueryRefused(`the simulator does not know this statement: ${q.slice(0, 160)}`);
}

const sortedTransactions = (state: NetSuiteState) =>
  [...state.transactions.values()].sort((a, b) => Number(a.id) - Number(b.id));

/** The posting lines of a transaction in the primary book: those with an account and an amount. */
const glLines = (t: NsTransaction) => t.tranLines.filter((l) => l.account && (l.debitCents || l.creditCents));

function transactions(state: NetSuiteState, where: string, params: string[]): Row[] {
  const tests: Array<(t: Row) => boolean> = [];
  let rest = where;
  let used = 0;
  for (;;) {
    const cond = TRANSACTION_CONDITIONS.find((c) => c.re.test(rest));
    if (!cond) throw new QueryRefused(`unknown condition at: ${rest.slice(0, 80)}`);
    const own = params.slice(used, used + cond.binds);
    used += cond.binds;
    tests.push((t) => cond.test(t, own));
    rest = rest.replace(cond.re, '');
    if (rest.toUpperCase().startsWith(' AND ')) rest = rest.slice(5);
    else break;
  }
  if (rest.trim().toUpperCase() !== 'ORDER BY T.ID') throw new QueryRefused(`expected ORDER BY t.id, got: ${rest}`);
  if (used !== params.length) throw new QueryRefused(`${used} bind values expected, ${params.length} given`);
  // The JOIN on customer: journals, adjustments and receipts have no customer and drop out.
  return sortedTransactions(state)
    .filter((t) => state.customers.has(t.entity))
    .map((t) => transactionRow(state, t))
    .filter((row) => tests.every((test) => test(row)));
}

/** Credit memos and cash refunds carry a negative total in the transaction table [INF]. */
function transactionRow(state: NetSuiteState, t: NsTransaction): Row {
  const sign = t.type === 'cashSale' ? 1 : -1;
  return {
    id: t.id,
    recordtype: t.type.toLowerCase(),
    tranid: t.tranId,
    externalid: t.externalId,
    otherrefnum: t.otherRefNum,
    trandate: t.tranDate,
    foreigntotal: formatCents(sign * state.totalCents(t)),
    customer: state.customers.get(t.entity)?.entityId,
  };
}
