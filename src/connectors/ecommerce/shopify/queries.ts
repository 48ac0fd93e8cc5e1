/**
 * The GraphQL documents the Shopify client sends. Named operations make server-side logs and our
 * error messages say which call failed.
 */

/** Shopify's `locations` hides inactive locations unless asked; the port reports isActive, so ask. */
export const LOCATIONS = /* GraphQL */ `
  query Locations($first: Int!, $after: String) {
    locations(first: $first, after: $after, includeInactive: true) {
      nodes { id name isActive }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const FIND_VARIANTS_BY_SKU = /* GraphQL */ `
  query FindVariantsBySku($first: Int!, $after: String, $query: String!) {
    productVariants(first: $first, after: $after, query: $query) {
      nodes { sku inventoryItem { id sku } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const INVENTORY_LEVEL = /* GraphQL */ `
  query InventoryLevel($itemId: ID!, $locationId: ID!) {
    inventoryItem(id: $itemId) {
      id
      inventoryLevel(locationId: $locationId) {
        id
        quantities(names: ["available"]) { name quantity }
      }
    }
  }
`;

/** The key travels as a variable so one document serves every write. */
export const SET_AVAILABLE = /* GraphQL */ `
  mutation SetAvailable($input: InventorySetQuantitiesInput!, $key: String!) {
    inventorySetQuantities(input: $input) @idempotent(key: $key) {
      inventoryAdjustmentGroup {
        createdAt
        reason
        referenceDocumentUri
        changes { name delta quantityAfterChange }
      }
      userErrors { field message code }
    }
  }
`;

/** Builds a `productVariants` search for exact SKUs; quoting keeps spaces and colons inside one term. */
export function skuSearch(skus: string[]): string {
  return skus.map((sku) => `sku:"${sku.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(' OR ');
}

/** Costs 3 points per id (item, level, quantity); answers line up with the ids by index. */
export const AVAILABLE_MANY = /* GraphQL */ `
  query AvailableMany($ids: [ID!]!, $locationId: ID!) {
    nodes(ids: $ids) {
      ... on InventoryItem {
        inventoryLevel(locationId: $locationId) { quantities(names: ["available"]) { name quantity } }
      }
    }
  }
`;

/** Costs 4 + 3 points per level on the page. */
export const LOCATION_LEVELS = /* GraphQL */ `
  query LocationLevels($locationId: ID!, $first: Int!, $after: String) {
    location(id: $locationId) {
      inventoryLevels(first: $first, after: $after) {
        nodes { item { id sku } quantities(names: ["available"]) { name quantity } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;
