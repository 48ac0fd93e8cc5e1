import { getDirectiveValues, GraphQLError, type GraphQLResolveInfo } from 'graphql';
import { schema } from './schema';

/** Paging, input limits and the @idempotent key, shared by the inventory and order resolvers. */
const MAX_PAGE = 250;

/** Shopify caps array inputs (ids, quantities) at 250 elements. */
export const MAX_INPUT = 250;
export const maxInput = (n: number) =>
  new GraphQLError(`The input array size of ${n} is greater than the maximum allowed of ${MAX_INPUT}.`, {
    extensions: { code: 'MAX_INPUT_SIZE_EXCEEDED' },
  });

/** The key may be a literal or a variable; getDirectiveValues resolves both. */
export function idempotencyKey(info: GraphQLResolveInfo): string | undefined {
  const directive = schema.getDirective('idempotent')!;
  const values = getDirectiveValues(directive, info.fieldNodes[0]!, info.variableValues);
  return typeof values?.['key'] === 'string' ? values['key'] : undefined;
}

export function connection<T, N>(
  all: T[],
  args: { first?: number | null; after?: string | null },
  cursorOf: (t: T) => string,
  node: (t: T) => N,
) {
  const first = args.first;
  if (first == null)
    throw new GraphQLError('you must provide one of first or last', { extensions: { code: 'BAD_REQUEST' } });
  if (first < 0 || first > MAX_PAGE)
    throw new GraphQLError(`first must be between 0 and ${MAX_PAGE}`, { extensions: { code: 'BAD_REQUEST' } });
  let start = 0;
  if (args.after) {
    const after = decodeCursor(args.after);
    start = all.findIndex((t) => Number(cursorOf(t)) > Number(after));
    if (start < 0) start = all.length;
  }
  const page = all.slice(start, start + first);
  const edges = page.map((t) => ({ cursor: encodeCursor(cursorOf(t)), node: node(t) }));
  return {
    nodes: edges.map((e) => e.node),
    edges,
    pageInfo: {
      hasNextPage: start + first < all.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

const encodeCursor = (id: string) => Buffer.from(JSON.stringify({ last_id: id })).toString('base64url');
function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { last_id?: unknown };
    if (typeof parsed.last_id === 'string') return parsed.last_id;
  } catch {
    // fall through: a cursor we did not issue
  }
  throw new GraphQLError('Invalid cursor for current pagination sort.', { extensions: { code: 'BAD_REQUEST' } });
}
