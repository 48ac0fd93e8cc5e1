import type { BulkOperations } from './bulk';
import { connection, MAX_INPUT, maxInput } from './paging';
import type {
  ProductRecord,
  ProductSetIdentifiers,
  ProductSetInput,
  VariantRecord,
  VariantsBulkInput,
} from './products';
import type { ItemRecord, ShopifyState } from './state';

/**
 * Resolvers of product-schema.ts. `variantFields` adds the product side to the ProductVariant
 * view that resolvers.ts builds for every inventory item.
 */
export function productRootValue(
  state: ShopifyState,
  bulk: BulkOperations,
  views: { variant(i: ItemRecord): Record<string, unknown> },
) {
  const catalogue = state.products;
  const product = (p: ProductRecord): Record<string, unknown> => ({
    __typename: 'Product',
    id: p.id,
    legacyResourceId: String(p.num),
    title: p.title,
    handle: p.handle,
    status: p.status,
    productType: p.productType,
    vendor: p.vendor,
    tags: p.tags,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    metafield: ({ key, namespace }: { key: string; namespace?: string | null }) => {
      const m = p.metafields.find((x) => x.key === key && x.namespace === (namespace ?? '$app'));
      return m ? { __typename: 'Metafield', ...m } : null;
    },
    variants: (args: { first?: number | null; after?: string | null }) =>
      connection(
        p.variants.map((v, i) => ({ v, i })),
        args,
        ({ i }) => String(i + 1),
        ({ v }) => variantOf(v),
      ),
  });
  const variantOf = (v: VariantRecord): Record<string, unknown> | null => {
    const item = state.items.get(v.itemId);
    return item ? views.variant(item) : null;
  };
  const variantFields = (i: ItemRecord): Record<string, unknown> => {
    const owned = catalogue.variant(i.variantId);
    if (!owned)
      return {
        price: '0.00',
        compareAtPrice: null,
        barcode: null,
        product: null,
        updatedAt: new Date(0).toISOString(),
      };
    const { product: p, variant: v } = owned;
    return {
      sku: v.sku,
      title: v.optionValues.map((o) => o.name).join(' / '),
      price: catalogue.shownPrice(v),
      compareAtPrice: v.compareAtPrice,
      barcode: v.barcode,
      product: () => product(p),
      updatedAt: v.updatedAt,
    };
  };

  const root = {
    product: ({ id }: { id: string }) => {
      const p = catalogue.get(id);
      return p ? product(p) : null;
    },
    productByIdentifier: ({ identifier }: { identifier: ProductSetIdentifiers }) => {
      const p = identifier.id
        ? catalogue.get(identifier.id)
        : identifier.handle
          ? catalogue.byHandle(identifier.handle)
          : identifier.customId
            ? catalogue.byMetafield(identifier.customId.namespace, identifier.customId.key, identifier.customId.value)
            : undefined;
      return p ? product(p) : null;
    },
    productSet: ({
      identifier,
      input,
    }: {
      identifier?: ProductSetIdentifiers | null;
      input: ProductSetInput;
      synchronous: boolean;
    }) => {
      if ((input.variants?.length ?? 0) > 2048) throw maxInput(input.variants!.length);
      const result = catalogue.productSet(identifier, input);
      return {
        product: result.product ? product(result.product) : null,
        // A synchronous productSet has no operation; the simulator runs asynchronous ones at once too.
        productSetOperation: null,
        userErrors: result.userErrors,
      };
    },
    productVariantsBulkUpdate: (args: {
      productId: string;
      variants: VariantsBulkInput[];
      allowPartialUpdates: boolean;
    }) => {
      if (args.variants.length > MAX_INPUT) throw maxInput(args.variants.length);
      const result = catalogue.variantsBulkUpdate(args.productId, args.variants, args.allowPartialUpdates);
      return {
        product: result.product ? product(result.product) : null,
        productVariants: result.product ? result.updated.map(variantOf).filter(Boolean) : null,
        userErrors: result.userErrors,
      };
    },
    stagedUploadsCreate: ({ input }: { input: Parameters<BulkOperations['stagedUploadsCreate']>[0] }) => {
      if (input.length > MAX_INPUT) throw maxInput(input.length);
      return bulk.stagedUploadsCreate(input);
    },
    bulkOperationRunMutation: (args: {
      mutation: string;
      stagedUploadPath: string;
      clientIdentifier?: string | null;
    }) => {
      const result = bulk.run(args.mutation, args.stagedUploadPath, args.clientIdentifier);
      return { bulkOperation: result.bulkOperation && bulkView(result.bulkOperation), userErrors: result.userErrors };
    },
    bulkOperation: ({ id }: { id: string }) => {
      const op = bulk.get(id);
      return op ? bulkView(op) : null;
    },
  };
  return { root, variantFields };
}

const bulkView = (op: NonNullable<ReturnType<BulkOperations['get']>>) => ({
  __typename: 'BulkOperation',
  ...op,
  type: 'MUTATION',
  objectCount: String(op.objectCount),
  rootObjectCount: String(op.rootObjectCount),
  fileSize: op.fileSize === null ? null : String(op.fileSize),
});
