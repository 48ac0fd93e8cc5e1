import { GraphQLError } from 'graphql';
import type { OrderRecord } from './order-records';

/**
 * `orders(query:, sortKey:)`: the search the order poll sends, as Shopify serves it. Shopify's
 * DateTime has whole seconds, so orders changed within one second tie in a filter and a sort (ties
 * go by id), and a cursor carries the sort value and the id. Only `updated_at` comparisons joined
 * with AND (or a space) are understood; anything else is refused loudly, so a client relying on
 * more syntax fails in tests rather than being answered wrongly.
 */
export type OrderSortKey = 'ID' | 'CREATED_AT' | 'UPDATED_AT';
interface Bound {
  op: '>=' | '>' | '<=' | '<';
  atSeconds: number;
}

const PAGE_MAX = 250;

/** Whole seconds, as Shopify shows DateTime ("2026-11-30T10:00:00Z"). */
export function toShopifyDateTime(iso: string): string {
  return new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export function parseOrderQuery(query: string): Bound[] {
  const terms = query
    .trim()
    .split(/\s+(?:AND\s+)?/)
    .filter((t) => t !== '' && t !== 'AND');
  return terms.map((term) => {
    const m = /^updated_at:(>=|<=|>|<)(?:'([^']+)'|"([^"]+)"|(\S+))$/.exec(term);
    const at = m && Date.parse(m[2] ?? m[3] ?? m[4]!);
    if (!m || at === null || Number.isNaN(at))
      throw new GraphQLError(
        `The simulator only understands "updated_at:>='<ISO time>'" order searches (AND-joined), got: ${query}`,
        { extensions: { code: 'BAD_REQUEST' } },
      );
    return { op: m[1] as Bound['op'], atSeconds: Math.floor(at / 1000) };
  });
}

function matches(o: OrderRecord, bounds: Bound[]): boolean {
  const t = seconds(o.updatedAt);
  return bounds.every((b) =>
    b.op === '>='
      ? t >= b.atSeconds
      : b.op === '>'
        ? t > b.atSeconds
        : b.op === '<='
          ? t <= b.atSeconds
          : t < b.atSeconds,
  );
}

export interface OrderSearchArgs {
  first?: number | null;
  after?: string | null;
  query?: string | null;
  sortKey?: OrderSortKey | null;
  reverse?: boolean | null;
}

/**
 * One page of the search. `hiddenSince` leaves out orders changed after that instant (epoch ms):
 * Shopify's search index trails its writes, so a fresh change may not be found yet.
 */
export function searchOrders<N>(
  all: OrderRecord[],
  args: OrderSearchArgs,
  node: (o: OrderRecord) => N,
  hiddenSince = Infinity,
) {
  const first = args.first;
  if (first == null)
    throw new GraphQLError('you must provide one of first or last', { extensions: { code: 'BAD_REQUEST' } });
  if (first < 0 || first > PAGE_MAX)
    throw new GraphQLError(`first must be between 0 and ${PAGE_MAX}`, { extensions: { code: 'BAD_REQUEST' } });
  const bounds = args.query ? parseOrderQuery(args.query) : [];
  const key = args.sortKey ?? 'ID';
  const value = (o: OrderRecord) =>
    key === 'UPDATED_AT' ? seconds(o.updatedAt) : key === 'CREATED_AT' ? seconds(o.createdAt) : o.num;
  const dir = args.reverse ? -1 : 1;
  const compare = (a: [number, number], b: [number, number]) => dir * (a[0] - b[0] || a[1] - b[1]);
  const found = all
    .filter((o) => Date.parse(o.updatedAt) < hiddenSince && matches(o, bounds))
    .map((o) => ({ o, at: [value(o), o.num] as [number, number] }))
    .sort((a, b) => compare(a.at, b.at));
  const after = args.after ? decode(args.after) : undefined;
  const start = after ? found.findIndex((f) => compare(f.at, after) > 0) : 0;
  const from = start < 0 ? found.length : start;
  const page = found.slice(from, from + first);
  const edges = page.map((f) => ({ cursor: encode(f.at), node: node(f.o) }));
  return {
    nodes: edges.map((e) => e.node),
    edges,
    pageInfo: {
      hasNextPage: from + first < found.length,
      hasPreviousPage: from > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

const encode = ([value, id]: [number, number]) =>
  Buffer.from(JSON.stringify({ last_id: id, last_value: value })).toString('base64url');
function decode(cursor: string): [number, number] {
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      last_id?: unknown;
      last_value?: unknown;
    };
    if (typeof c.last_id === 'number' && typeof c.last_value === 'number') return [c.last_value, c.last_id];
  } catch {
    // fall through: a cursor we did not issue
  }
  throw new GraphQLError('Invalid cursor for current pagination sort.', { extensions: { code: 'BAD_REQUEST' } });
}
