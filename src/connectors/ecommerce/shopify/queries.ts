/**
 * The GraphQL documents the Shopify client sends. Named operations make server-side logs and our
 * error messages say which call failed.
 */

/** Shopify's `locations` hides inactive locations unless asked; the port reports isActive, so ask. */
export const LOCATIONS = /* GraphQL */ `
  query Locations($first: Int!, $after: String) {
    locations(first: $first, after: $after, includeInactive: true) {
      nodes {
        id
        name
        isActive
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

export const FIND_VARIANTS_BY_SKU = /* GraphQL */ `
  query FindVariantsBySku($first: Int!, $after: String, $query: String!) {
    productVariants(first: $first, after: $after, query: $query) {
      nodes {
        sku
        inventoryItem {
          id
          sku
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

/** Legacy per-sale path: one level's available. */
export const INVENTORY_LEVEL = /* GraphQL */ `
  query InventoryLevel($itemId: ID!, $locationId: ID!) {
    inventoryItem(id: $itemId) {
      id
      inventoryLevel(locationId: $locationId) {
        id
        quantities(names: ["available"]) {
          name
          quantity
        }
      }
    }
  }
`;

/** Both writes send `inventorySetQuantities`; the key travels as a variable so one document serves every write. */
const SET_QUANTITIES_FIELD = /* GraphQL */ `
    inventorySetQuantities(input: $input) @idempotent(key: $key) {
      inventoryAdjustmentGroup {
        createdAt
        reason
        referenceDocumentUri
        changes { name delta quantityAfterChange }
      }
      userErrors { field message code }
    }
`;

/** The stock flow's write: `input.name` is "on_hand". */
export const SET_ON_HAND = /* GraphQL */ `
  mutation SetOnHand($input: InventorySetQuantitiesInput!, $key: String!) {${SET_QUANTITIES_FIELD}  }
`;

/** Legacy per-sale path: `input.name` is "available". */
export const SET_AVAILABLE = /* GraphQL */ `
  mutation SetAvailable($input: InventorySetQuantitiesInput!, $key: String!) {${SET_QUANTITIES_FIELD}  }
`;

/** Builds a `productVariants` search for exact SKUs; quoting keeps spaces and colons inside one term. */
export function skuSearch(skus: string[]): string {
  return skus.map((sku) => `sku:"${sku.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(' OR ');
}

/** Costs 3 points per id (item, level, quantity); answers line up with the ids by index. */
export const ON_HAND_MANY = /* GraphQL */ `
  query OnHandMany($ids: [ID!]!, $locationId: ID!) {
    nodes(ids: $ids) {
      ... on InventoryItem {
        inventoryLevel(locationId: $locationId) {
          quantities(names: ["on_hand"]) {
            name
            quantity
          }
        }
      }
    }
  }
`;

/** Costs 4 + 3 points per level on the page. */
export const LOCATION_LEVELS = /* GraphQL */ `
  query LocationLevels($locationId: ID!, $first: Int!, $after: String) {
    location(id: $locationId) {
      inventoryLevels(first: $first, after: $after) {
        nodes {
          item {
            id
            sku
          }
          quantities(names: ["on_hand"]) {
            name
            quantity
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;
