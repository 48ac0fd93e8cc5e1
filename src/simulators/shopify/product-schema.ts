/**
 * Products, variants, prices and bulk mutations (master-data-api.md §3), names and types as in
 * Shopify's Admin 2026-04 schema. `ProductVariant` itself lives in schema.ts (the stock flows
 * read it); its product fields are added here.
 */
export const productSdl = /* GraphQL */ `
  extend type Query {
    product(id: ID!): Product
    "customId: the product whose id-type metafield holds the value; null when none does."
    productByIdentifier(identifier: ProductIdentifierInput!): Product
    bulkOperation(id: ID!): BulkOperation
  }

  extend type Mutation {
    "Dynamic cost: 10 + 0.2 per variant + 0.4 per metafield sent (master-data-api.md §3.7)."
    productSet(
      identifier: ProductSetIdentifiers
      input: ProductSetInput!
      synchronous: Boolean = true
    ): ProductSetPayload
    productVariantsBulkUpdate(
      allowPartialUpdates: Boolean = false
      productId: ID!
      variants: [ProductVariantsBulkInput!]!
    ): ProductVariantsBulkUpdatePayload
    stagedUploadsCreate(input: [StagedUploadInput!]!): StagedUploadsCreatePayload
    bulkOperationRunMutation(
      clientIdentifier: String
      mutation: String!
      stagedUploadPath: String!
    ): BulkOperationRunMutationPayload
  }

  extend type ProductVariant {
    price: Money!
    compareAtPrice: Money
    barcode: String
    "Shopify: Product!. A variant the test seeded as a bare inventory item has none here."
    product: Product
    updatedAt: DateTime!
  }

  enum ProductStatus {
    ACTIVE
    ARCHIVED
    DRAFT
    UNLISTED
  }

  type Product implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    title: String!
    handle: String!
    status: ProductStatus!
    productType: String!
    vendor: String!
    tags: [String!]!
    createdAt: DateTime!
    updatedAt: DateTime!
    metafield(key: String!, namespace: String): Metafield
    variants(first: Int, after: String): ProductVariantConnection!
  }

  type Metafield implements Node {
    id: ID!
    namespace: String!
    key: String!
    type: String!
    value: String!
  }

  input UniqueMetafieldValueInput {
    key: String!
    namespace: String
    value: String!
  }
  input ProductIdentifierInput @oneOf {
    customId: UniqueMetafieldValueInput
    handle: String
    id: ID
  }
  input ProductSetIdentifiers @oneOf {
    customId: UniqueMetafieldValueInput
    handle: String
    id: ID
  }

  input MetafieldInput {
    id: ID
    key: String
    namespace: String
    type: String
    value: String
  }
  input OptionValueSetInput {
    id: ID
    name: String
  }
  input OptionSetInput {
    id: ID
    name: String
    position: Int
    values: [OptionValueSetInput!]
  }
  input VariantOptionValueInput {
    id: ID
    name: String
    optionId: ID
    optionName: String
  }
  input InventoryItemInput {
    sku: String
    tracked: Boolean
    requiresShipping: Boolean
  }
  input ProductVariantSetInput {
    barcode: String
    compareAtPrice: Money
    id: ID
    inventoryItem: InventoryItemInput
    optionValues: [VariantOptionValueInput!]!
    position: Int
    price: Money
    sku: String
    taxable: Boolean
  }
  input ProductSetInput {
    handle: String
    id: ID
    metafields: [MetafieldInput!]
    productOptions: [OptionSetInput!]
    productType: String
    status: ProductStatus
    tags: [String!]
    title: String
    variants: [ProductVariantSetInput!]
    vendor: String
  }

  enum ProductOperationStatus {
    ACTIVE
    COMPLETE
    CREATED
  }
  "Only for synchronous: false, which the simulator does not run in the background: it is COMPLETE at once."
  type ProductSetOperation implements Node {
    id: ID!
    product: Product
    status: ProductOperationStatus!
    userErrors: [ProductSetUserError!]!
  }
  type ProductSetPayload {
    product: Product
    productSetOperation: ProductSetOperation
    userErrors: [ProductSetUserError!]!
  }
  type ProductSetUserError {
    code: ProductSetUserErrorCode
    field: [String!]
    message: String!
  }
  enum ProductSetUserErrorCode {
    DUPLICATED_METAFIELD_VALUE
    DUPLICATED_OPTION_NAME
    DUPLICATED_OPTION_VALUE
    ID_NOT_ALLOWED
    INVALID_INPUT
    INVALID_METAFIELD
    INVALID_PRODUCT
    INVALID_VARIANT
    METAFIELD_MISMATCH
    OPTION_DOES_NOT_EXIST
    OPTION_VALUES_MISSING
    OPTION_VALUE_DOES_NOT_EXIST
    OPTIONS_OVER_LIMIT
    PRODUCT_DOES_NOT_EXIST
    PRODUCT_OPTIONS_INPUT_MISSING
    PRODUCT_VARIANT_DOES_NOT_EXIST
    VARIANTS_INPUT_MISSING
    VARIANTS_OVER_LIMIT
  }

  input ProductVariantsBulkInput {
    barcode: String
    compareAtPrice: Money
    id: ID
    inventoryItem: InventoryItemInput
    price: Money
  }
  type ProductVariantsBulkUpdatePayload {
    product: Product
    productVariants: [ProductVariant!]
    userErrors: [ProductVariantsBulkUpdateUserError!]!
  }
  type ProductVariantsBulkUpdateUserError {
    code: ProductVariantsBulkUpdateUserErrorCode
    field: [String!]
    message: String!
  }
  enum ProductVariantsBulkUpdateUserErrorCode {
    INVALID_INPUT
    MUST_BE_FOR_THIS_PRODUCT
    NEGATIVE_PRICE_VALUE
    NO_INVENTORY_QUANTITIES_ON_VARIANTS_UPDATE
    PRODUCT_DOES_NOT_EXIST
    PRODUCT_VARIANT_DOES_NOT_EXIST
    PRODUCT_VARIANT_ID_MISSING
  }

  enum StagedUploadTargetGenerateUploadResource {
    BULK_MUTATION_VARIABLES
  }
  enum StagedUploadHttpMethodType {
    POST
    PUT
  }
  input StagedUploadInput {
    fileSize: UnsignedInt64
    filename: String!
    httpMethod: StagedUploadHttpMethodType = PUT
    mimeType: String!
    resource: StagedUploadTargetGenerateUploadResource!
  }
  type StagedUploadParameter {
    name: String!
    value: String!
  }
  type StagedMediaUploadTarget {
    parameters: [StagedUploadParameter!]!
    resourceUrl: URL
    url: URL
  }
  type StagedUploadsCreatePayload {
    stagedTargets: [StagedMediaUploadTarget!]
    userErrors: [UserError!]!
  }

  enum BulkOperationStatus {
    CANCELED
    CANCELING
    COMPLETED
    CREATED
    EXPIRED
    FAILED
    RUNNING
  }
  enum BulkOperationErrorCode {
    ACCESS_DENIED
    INTERNAL_SERVER_ERROR
    TIMEOUT
  }
  enum BulkOperationType {
    MUTATION
    QUERY
  }
  type BulkOperation implements Node {
    completedAt: DateTime
    createdAt: DateTime!
    errorCode: BulkOperationErrorCode
    fileSize: UnsignedInt64
    id: ID!
    objectCount: UnsignedInt64!
    partialDataUrl: URL
    query: String!
    rootObjectCount: UnsignedInt64!
    status: BulkOperationStatus!
    type: BulkOperationType!
    url: URL
  }
  enum BulkMutationErrorCode {
    INTERNAL_FILE_SERVER_ERROR
    INVALID_MUTATION
    INVALID_STAGED_UPLOAD_FILE
    LIMIT_REACHED
    NO_SUCH_FILE
    OPERATION_IN_PROGRESS
  }
  type BulkMutationUserError {
    code: BulkMutationErrorCode
    field: [String!]
    message: String!
  }
  type BulkOperationRunMutationPayload {
    bulkOperation: BulkOperation
    userErrors: [BulkMutationUserError!]!
  }
`;
