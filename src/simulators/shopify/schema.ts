import { buildSchema } from 'graphql';
import { orderSdl } from './order-schema';
import { productSdl } from './product-schema';
import { webhookSdl } from './webhook-schema';

/**
 * The subset of the Admin GraphQL schema the integration uses. Field and type names follow
 * Shopify's so the client's documents run unchanged against the real API.
 */
export const sdl = /* GraphQL */ `
  "Shopify: mandatory on inventory mutations from 2026-04; the schema cannot say so, the server enforces it."
  directive @idempotent(key: String!) on FIELD

  type Query {
    locations(first: Int, after: String, includeInactive: Boolean = false): LocationConnection!
    location(id: ID): Location
    productVariants(first: Int, after: String, query: String): ProductVariantConnection!
    inventoryItem(id: ID!): InventoryItem
    "At most 250 ids; an unknown id gives null in its place, so answers line up with the ids by index."
    nodes(ids: [ID!]!): [Node]!
  }

  interface Node {
    id: ID!
  }

  type Mutation {
    "At most 250 quantities: a longer list is refused with a top-level MAX_INPUT_SIZE_EXCEEDED error, nothing applied."
    inventorySetQuantities(input: InventorySetQuantitiesInput!): InventorySetQuantitiesPayload
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type Location implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    name: String!
    isActive: Boolean!
    fulfillsOnlineOrders: Boolean!
    "Levels of the items stocked here, ordered by item id."
    inventoryLevels(first: Int, after: String): InventoryLevelConnection!
  }
  type LocationEdge {
    cursor: String!
    node: Location!
  }
  type LocationConnection {
    nodes: [Location!]!
    edges: [LocationEdge!]!
    pageInfo: PageInfo!
  }

  type ProductVariant {
    id: ID!
    sku: String
    title: String!
    inventoryItem: InventoryItem!
  }
  type ProductVariantEdge {
    cursor: String!
    node: ProductVariant!
  }
  type ProductVariantConnection {
    nodes: [ProductVariant!]!
    edges: [ProductVariantEdge!]!
    pageInfo: PageInfo!
  }

  type InventoryItem implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    sku: String
    tracked: Boolean!
    inventoryLevel(locationId: ID!): InventoryLevel
  }

  type InventoryLevel {
    id: ID!
    location: Location!
    item: InventoryItem!
    quantities(names: [String!]!): [InventoryQuantity!]!
  }

  type InventoryLevelEdge {
    cursor: String!
    node: InventoryLevel!
  }
  type InventoryLevelConnection {
    nodes: [InventoryLevel!]!
    edges: [InventoryLevelEdge!]!
    pageInfo: PageInfo!
  }

  type InventoryQuantity {
    name: String!
    quantity: Int!
  }

  input InventoryQuantityInput {
    inventoryItemId: ID!
    locationId: ID!
    quantity: Int!
    "Required from 2026-04: pass the value you believe is current, or an explicit null to opt out."
    changeFromQuantity: Int
  }

  input InventorySetQuantitiesInput {
    name: String!
    reason: String!
    referenceDocumentUri: String
    quantities: [InventoryQuantityInput!]!
  }

  type InventorySetQuantitiesPayload {
    inventoryAdjustmentGroup: InventoryAdjustmentGroup
    userErrors: [InventorySetQuantitiesUserError!]!
  }

  type InventoryAdjustmentGroup {
    id: ID!
    createdAt: DateTime!
    reason: String!
    referenceDocumentUri: String
    changes: [InventoryChange!]!
  }

  type InventoryChange {
    name: String!
    delta: Int!
    quantityAfterChange: Int
    item: InventoryItem
    location: Location
  }

  type InventorySetQuantitiesUserError {
    field: [String!]
    message: String!
    code: InventorySetQuantitiesUserErrorCode
  }

  enum InventorySetQuantitiesUserErrorCode {
    CHANGE_FROM_QUANTITY_STALE
    COMPARE_QUANTITY_REQUIRED
    COMPARE_QUANTITY_STALE
    IDEMPOTENCY_CONCURRENT_REQUEST
    IDEMPOTENCY_KEY_PARAMETER_MISMATCH
    IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED
    INVALID_INVENTORY_ITEM
    INVALID_LOCATION
    INVALID_NAME
    INVALID_QUANTITY_NEGATIVE
    INVALID_QUANTITY_TOO_HIGH
    INVALID_QUANTITY_TOO_LOW
    INVALID_REASON
    INVALID_REFERENCE_DOCUMENT
    ITEM_NOT_STOCKED_AT_LOCATION
    NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR
    NON_MUTABLE_INVENTORY_ITEM
  }
`;

export const schema = buildSchema(sdl + orderSdl + webhookSdl + productSdl);
