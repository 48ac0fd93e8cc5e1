import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type { BulkOperations } from './bulk';
import { orderRootValue } from './order-resolvers';
import { connection, idempotencyKey, MAX_INPUT, maxInput } from './paging';
import { productRootValue } from './product-resolvers';
import { webhookRootValue } from './webhook-resolvers';
import type { ShopifyWebhooks } from './webhooks';
import {
  QUANTITY_NAMES,
  type AdjustmentGroup,
  type ItemRecord,
  type LocationRecord,
  type SetQuantitiesInput,
  type ShopifyState,
} from './state';

/**
 * Root value for `graphql` execution. Nested objects expose functions where a field takes
 * arguments; the default field resolver calls them with (args, context, info).
 */
export interface ResolverOptions {
  state: ShopifyState;
  /** 2026-04 and later: @idempotent and changeFromQuantity are mandatory. */
  strict: boolean;
  /** The shop's webhook subscriptions (webhookSubscriptions, webhookSubscriptionCreate). */
  webhooks?: ShopifyWebhooks;
  /** Staged uploads and bulk mutations (productSet lines). */
  bulk?: BulkOperations;
}

/** Shopify caps array inputs (ids, quantities) at 250 elements. */
export { MAX_INPUT } from './paging';
const KNOWN_NAMES = new Set<string>(QUANTITY_NAMES);

export function rootValue(opts: ResolverOptions): Record<string, unknown> {
  const { state } = opts;
  // __typename lets graphql-js resolve the Node interface to the concrete type.
  const location = (l: LocationRecord): Record<string, unknown> => ({
    __typename: 'Location',
    id: l.id,
    legacyResourceId: String(l.num),
    name: l.name,
    isActive: l.isActive,
    fulfillsOnlineOrders: l.fulfillsOnlineOrders,
    inventoryLevels: (args: { first?: number | null; after?: string | null }) =>
      connection(
        state.stockedItems(l.id),
        args,
        (i) => String(i.num),
        (i) => level(i, l),
      ),
  });
  const level = (i: ItemRecord, loc: LocationRecord): Record<string, unknown> => ({
    id: state.levelId(i.id, loc.id),
    location: () => location(loc),
    item: () => item(i),
    quantities: ({ names }: { names: string[] }) => {
      const unknown = names.filter((n) => !KNOWN_NAMES.has(n));
      if (unknown.length)
        throw new GraphQLError(`Invalid quantity names: ${unknown.join(', ')}`, {
          extensions: { code: 'BAD_REQUEST' },
        });
      return names.map((name) => ({ name, quantity: state.quantity(i.id, loc.id, name) ?? 0 }));
    },
  });
  const item = (i: ItemRecord): Record<string, unknown> => ({
    __typename: 'InventoryItem',
    id: i.id,
    legacyResourceId: String(i.num),
    sku: i.sku,
    tracked: i.tracked,
    inventoryLevel: ({ locationId }: { locationId: string }) => {
      const loc = state.locations.get(locationId);
      return loc && state.levelId(i.id, locationId) ? level(i, loc) : null;
    },
  });
  const variant = (i: ItemRecord): Record<string, unknown> => ({
    id: i.variantId,
    sku: i.sku,
    title: 'Default Title',
    inventoryItem: () => item(i),
    ...products?.variantFields(i),
  });
  const products = opts.bulk ? productRootValue(state, opts.bulk, { variant }) : undefined;
  const group = (g: AdjustmentGroup) => ({
    ...g,
    changes: g.changes.map((c) => ({
      name: c.name,
      delta: c.delta,
      quantityAfterChange: c.quantityAfterChange,
      item: () => {
        const i = state.items.get(c.itemId);
        return i ? item(i) : null;
      },
      location: () => {
        const l = state.locations.get(c.locationId);
        return l ? location(l) : null;
      },
    })),
  });

  const base = {
    locations: (args: { first?: number | null; after?: string | null; includeInactive?: boolean | null }) => {
      const all = [...state.locations.values()]
        .filter((l) => args.includeInactive || l.isActive)
        .sort((a, b) => a.num - b.num);
      return connection(all, args, (l) => String(l.num), location);
    },
    // As Shopify: without an id, the shop's primary location (here the first one created).
    location: ({ id }: { id?: string | null }) => {
      const l = id ? state.locations.get(id) : [...state.locations.values()].sort((a, b) => a.num - b.num)[0];
      return l ? location(l) : null;
    },
    productVariants: (args: { first?: number | null; after?: string | null; query?: string | null }) => {
      const skus = args.query ? parseSkuQuery(args.query) : undefined;
      const all = [...state.items.values()].filter((i) => !skus || skus.has(i.sku)).sort((a, b) => a.num - b.num);
      return connection(all, args, (i) => String(i.num), variant);
    },
    inventoryItem: ({ id }: { id: string }) => {
      const i = state.items.get(id);
      return i ? item(i) : null;
    },
    nodes: ({ ids }: { ids: string[] }) => {
      if (ids.length > MAX_INPUT) throw maxInput(ids.length);
      return ids.map((id) => {
        const i = state.items.get(id);
        if (i) return item(i);
        const l = state.locations.get(id);
        return l ? location(l) : null;
      });
    },
    inventorySetQuantities: ({ input }: { input: SetQuantitiesInput }, _ctx: unknown, info: GraphQLResolveInfo) => {
      // A request-level refusal like Shopify's array-input limit: the key is not consumed, nothing applies.
      if (input.quantities.length > MAX_INPUT) throw maxInput(input.quantities.length);
      const key = idempotencyKey(info);
      if (opts.strict && key === undefined) {
        throw new GraphQLError('The @idempotent directive is required for this mutation.', {
          extensions: { code: 'BAD_REQUEST' },
        });
      }
      if (opts.strict) {
        const missing = input.quantities.findIndex((q) => !('changeFromQuantity' in q));
        if (missing >= 0) {
          throw new GraphQLError(
            `input.quantities[${missing}].changeFromQuantity is required; pass null to skip the compare-and-swap check.`,
            {
              extensions: { code: 'BAD_REQUEST' },
            },
          );
        }
      }
      const result = state.setQuantities(input, key);
      return { inventoryAdjustmentGroup: result.group ? group(result.group) : null, userErrors: result.userErrors };
    },
  };
  return {
    ...base,
    ...orderRootValue(opts, { location, variant }),
    ...(opts.webhooks ? webhookRootValue(opts.webhooks) : {}),
    ...products?.root,
  };
}

/**
 * Only the search syntax the integration sends: `sku:A`, `sku:"A B"`, joined with OR. Anything
 * else is refused loudly so a client change that relies on more syntax fails in tests.
 */
export function parseSkuQuery(query: string): Set<string> {
  // A token is a run of unquoted characters and quoted strings, so `sku:"A B"` stays one token.
  const tokens = query.match(/(?:[^\s"']+|"(?:[^"\\]|\\.)*"|'[^']*')+/g) ?? [];
  const skus = new Set<string>();
  let expectTerm = true;
  for (const tok of tokens) {
    if (!expectTerm) {
      if (tok !== 'OR') throw badQuery(query);
      expectTerm = true;
      continue;
    }
    const m = /^sku:(.+)$/.exec(tok);
    if (!m) throw badQuery(query);
    skus.add(unquote(m[1]!));
    expectTerm = false;
  }
  if (expectTerm && skus.size) throw badQuery(query);
  return skus;
}

function unquote(v: string): string {
  if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  if (v.startsWith("'") && v.endsWith("'") && v.length >= 2) return v.slice(1, -1);
  return v;
}

const badQuery = (q: string) =>
  new GraphQLError(`The simulator only understands "sku:X OR sku:Y" searches, got: ${q}`, {
    extensions: { code: 'BAD_REQUEST' },
  });
