/**
 * Orders, fulfilment orders, refunds and cancellation: the subset of Shopify's Admin schema the
 * click & collect and returns flows use, with Shopify's names so the client's documents run
 * unchanged against the real API. Lists that take `first` (Order.refunds, Order.transactions)
 * are plain lists in Shopify too.
 */
export const orderSdl = /* GraphQL */ `
  scalar DateTime
  scalar Decimal
  scalar Money
  scalar UnsignedInt64
  scalar URL

  extend type Query {
    order(id: ID!): Order
    "Search (only updated_at comparisons here); see order-search.ts."
    orders(
      first: Int
      after: String
      query: String
      sortKey: OrderSortKeys = ID
      reverse: Boolean = false
    ): OrderConnection!
    fulfillmentOrder(id: ID!): FulfillmentOrder
    "Poll an asynchronous job (orderCancel) until done."
    job(id: ID!): Job
  }

  extend type Mutation {
    fulfillmentOrderLineItemsPreparedForPickup(
      input: FulfillmentOrderLineItemsPreparedForPickupInput!
    ): FulfillmentOrderLineItemsPreparedForPickupPayload
    fulfillmentCreate(fulfillment: FulfillmentInput!, message: String): FulfillmentCreatePayload
    "Mandatory @idempotent from 2026-04, like the inventory mutations."
    refundCreate(input: RefundInput!): RefundCreatePayload
    "Asynchronous: answers with a job; the order is cancelled when the job is done."
    orderCancel(
      orderId: ID!
      reason: OrderCancelReason!
      restock: Boolean!
      notifyCustomer: Boolean
      staffNote: String
      refund: Boolean @deprecated(reason: "Use refundMethod.")
      refundMethod: OrderCancelRefundMethodInput
    ): OrderCancelPayload
  }

  enum CurrencyCode {
    SEK
    EUR
    USD
    NOK
    DKK
    GBP
    CHF
    PLN
  }
  enum OrderSortKeys {
    CREATED_AT
    ID
    UPDATED_AT
  }
  enum OrderCancelReason {
    CUSTOMER
    DECLINED
    FRAUD
    INVENTORY
    OTHER
    STAFF
  }
  enum OrderDisplayFinancialStatus {
    AUTHORIZED
    EXPIRED
    PAID
    PARTIALLY_PAID
    PARTIALLY_REFUNDED
    PENDING
    REFUNDED
    VOIDED
  }
  enum OrderDisplayFulfillmentStatus {
    FULFILLED
    IN_PROGRESS
    ON_HOLD
    OPEN
    PARTIALLY_FULFILLED
    PENDING_FULFILLMENT
    REQUEST_DECLINED
    RESTOCKED
    SCHEDULED
    UNFULFILLED
  }
  enum FulfillmentOrderStatus {
    OPEN
    IN_PROGRESS
    SCHEDULED
    ON_HOLD
    INCOMPLETE
    CLOSED
    CANCELLED
  }
  enum DeliveryMethodType {
    SHIPPING
    PICK_UP
    PICKUP_POINT
    LOCAL
    RETAIL
    NONE
  }
  enum FulfillmentStatus {
    SUCCESS
    CANCELLED
    ERROR
    FAILURE
    OPEN
    PENDING
  }
  enum OrderTransactionKind {
    SALE
    CAPTURE
    AUTHORIZATION
    VOID
    REFUND
    CHANGE
    EMV_AUTHORIZATION
    SUGGESTED_REFUND
  }
  enum OrderTransactionStatus {
    SUCCESS
    FAILURE
    PENDING
    ERROR
    AWAITING_RESPONSE
    UNKNOWN
  }
  enum RefundLineItemRestockType {
    RETURN
    CANCEL
    LEGACY_RESTOCK
    NO_RESTOCK
  }
  enum DiscountApplicationAllocationMethod {
    ACROSS
    EACH
    ONE
  }
  enum DiscountApplicationTargetSelection {
    ALL
    ENTITLED
    EXPLICIT
  }
  enum DiscountApplicationTargetType {
    LINE_ITEM
    SHIPPING_LINE
  }
  enum FulfillmentOrderLineItemsPreparedForPickupUserErrorCode {
    FULFILLMENT_ORDER_INVALID
    NO_LINE_ITEMS_TO_PREPARE_FOR_FULFILLMENT_ORDER
    UNABLE_TO_PREPARE_QUANTITY
  }
  enum OrderCancelUserErrorCode {
    INTERNAL_ERROR
    INVALID
    NO_REFUND_PERMISSION
    NOT_FOUND
  }

  type MoneyV2 {
    amount: Decimal!
    currencyCode: CurrencyCode!
  }
  type MoneyBag {
    shopMoney: MoneyV2!
    presentmentMoney: MoneyV2!
  }

  type Order implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    name: String!
    createdAt: DateTime!
    updatedAt: DateTime!
    processedAt: DateTime!
    cancelledAt: DateTime
    cancelReason: OrderCancelReason
    closed: Boolean!
    sourceName: String
    currencyCode: CurrencyCode!
    displayFinancialStatus: OrderDisplayFinancialStatus
    displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
    totalPriceSet: MoneyBag!
    currentTotalPriceSet: MoneyBag!
    totalRefundedSet: MoneyBag!
    "Whether line prices include tax; when false, tax lines come on top."
    taxesIncluded: Boolean!
    totalDiscountsSet: MoneyBag
    totalTaxSet: MoneyBag
    lineItems(first: Int, after: String): LineItemConnection!
    fulfillmentOrders(first: Int, after: String): FulfillmentOrderConnection!
    refunds(first: Int): [Refund!]!
    transactions(first: Int): [OrderTransaction!]!
  }

  type OrderEdge {
    cursor: String!
    node: Order!
  }
  type OrderConnection {
    nodes: [Order!]!
    edges: [OrderEdge!]!
    pageInfo: PageInfo!
  }

  type LineItem {
    id: ID!
    sku: String
    name: String!
    quantity: Int!
    currentQuantity: Int!
    refundableQuantity: Int!
    unfulfilledQuantity: Int!
    originalUnitPriceSet: MoneyBag!
    originalTotalSet: MoneyBag!
    "Approximate (rounded per unit); the allocations are exact."
    discountedUnitPriceAfterAllDiscountsSet: MoneyBag!
    "Every discount allocated to the line: its own and its share of order discounts."
    discountAllocations: [DiscountAllocation!]!
    taxLines(first: Int): [TaxLine!]!
    variant: ProductVariant
  }
  type DiscountAllocation {
    allocatedAmountSet: MoneyBag!
    discountApplication: DiscountApplication!
  }
  interface DiscountApplication {
    allocationMethod: DiscountApplicationAllocationMethod!
    index: Int!
    targetSelection: DiscountApplicationTargetSelection!
    targetType: DiscountApplicationTargetType!
  }
  type ManualDiscountApplication implements DiscountApplication {
    allocationMethod: DiscountApplicationAllocationMethod!
    index: Int!
    targetSelection: DiscountApplicationTargetSelection!
    targetType: DiscountApplicationTargetType!
    title: String!
    description: String
  }
  type TaxLine {
    title: String!
    rate: Float
    ratePercentage: Float
    priceSet: MoneyBag!
  }
  type LineItemEdge {
    cursor: String!
    node: LineItem!
  }
  type LineItemConnection {
    nodes: [LineItem!]!
    edges: [LineItemEdge!]!
    pageInfo: PageInfo!
  }

  type DeliveryMethod {
    id: ID!
    methodType: DeliveryMethodType!
  }
  type FulfillmentOrderAssignedLocation {
    name: String!
    location: Location
  }
  type FulfillmentOrder implements Node {
    id: ID!
    orderId: ID!
    order: Order!
    status: FulfillmentOrderStatus!
    deliveryMethod: DeliveryMethod
    assignedLocation: FulfillmentOrderAssignedLocation!
    lineItems(first: Int, after: String): FulfillmentOrderLineItemConnection!
  }
  type FulfillmentOrderEdge {
    cursor: String!
    node: FulfillmentOrder!
  }
  type FulfillmentOrderConnection {
    nodes: [FulfillmentOrder!]!
    edges: [FulfillmentOrderEdge!]!
    pageInfo: PageInfo!
  }
  type FulfillmentOrderLineItem {
    id: ID!
    totalQuantity: Int!
    remainingQuantity: Int!
    lineItem: LineItem!
  }
  type FulfillmentOrderLineItemEdge {
    cursor: String!
    node: FulfillmentOrderLineItem!
  }
  type FulfillmentOrderLineItemConnection {
    nodes: [FulfillmentOrderLineItem!]!
    edges: [FulfillmentOrderLineItemEdge!]!
    pageInfo: PageInfo!
  }

  type Fulfillment {
    id: ID!
    status: FulfillmentStatus!
    createdAt: DateTime!
  }

  type OrderTransaction {
    id: ID!
    kind: OrderTransactionKind!
    status: OrderTransactionStatus!
    gateway: String
    amountSet: MoneyBag!
    parentTransaction: OrderTransaction
    createdAt: DateTime!
    processedAt: DateTime
  }
  type OrderTransactionEdge {
    cursor: String!
    node: OrderTransaction!
  }
  type OrderTransactionConnection {
    nodes: [OrderTransaction!]!
    edges: [OrderTransactionEdge!]!
    pageInfo: PageInfo!
  }

  type Refund implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    createdAt: DateTime
    note: String
    totalRefundedSet: MoneyBag!
    refundLineItems(first: Int, after: String): RefundLineItemConnection!
    transactions(first: Int, after: String): OrderTransactionConnection!
  }
  type RefundLineItem {
    id: ID!
    quantity: Int!
    restockType: RefundLineItemRestockType!
    restocked: Boolean!
    location: Location
    lineItem: LineItem!
    subtotalSet: MoneyBag!
  }
  type RefundLineItemEdge {
    cursor: String!
    node: RefundLineItem!
  }
  type RefundLineItemConnection {
    nodes: [RefundLineItem!]!
    edges: [RefundLineItemEdge!]!
    pageInfo: PageInfo!
  }

  type Job {
    id: ID!
    done: Boolean!
  }

  type UserError {
    field: [String!]
    message: String!
  }
  type FulfillmentOrderLineItemsPreparedForPickupUserError {
    field: [String!]
    message: String!
    code: FulfillmentOrderLineItemsPreparedForPickupUserErrorCode
  }
  type OrderCancelUserError {
    field: [String!]
    message: String!
    code: OrderCancelUserErrorCode
  }

  input PreparedFulfillmentOrderLineItemsInput {
    fulfillmentOrderId: ID!
  }
  input FulfillmentOrderLineItemsPreparedForPickupInput {
    lineItemsByFulfillmentOrder: [PreparedFulfillmentOrderLineItemsInput!]!
  }
  type FulfillmentOrderLineItemsPreparedForPickupPayload {
    userErrors: [FulfillmentOrderLineItemsPreparedForPickupUserError!]!
  }

  input FulfillmentOrderLineItemInput {
    id: ID!
    quantity: Int!
  }
  input FulfillmentOrderLineItemsInput {
    fulfillmentOrderId: ID!
    fulfillmentOrderLineItems: [FulfillmentOrderLineItemInput!]
  }
  input FulfillmentTrackingInput {
    company: String
    number: String
    url: URL
  }
  input FulfillmentInput {
    lineItemsByFulfillmentOrder: [FulfillmentOrderLineItemsInput!]!
    notifyCustomer: Boolean
    trackingInfo: FulfillmentTrackingInput
  }
  type FulfillmentCreatePayload {
    fulfillment: Fulfillment
    userErrors: [UserError!]!
  }

  input RefundLineItemInput {
    lineItemId: ID!
    quantity: Int!
    restockType: RefundLineItemRestockType
    locationId: ID
  }
  input OrderTransactionInput {
    orderId: ID!
    parentId: ID
    amount: Money!
    gateway: String!
    kind: OrderTransactionKind!
  }
  input RefundInput {
    orderId: ID!
    note: String
    notify: Boolean
    currency: CurrencyCode
    refundLineItems: [RefundLineItemInput!]
    transactions: [OrderTransactionInput!]
  }
  type RefundCreatePayload {
    order: Order
    refund: Refund
    userErrors: [UserError!]!
  }

  input OrderCancelRefundMethodInput {
    originalPaymentMethodsRefund: Boolean
  }
  type OrderCancelPayload {
    job: Job
    orderCancelUserErrors: [OrderCancelUserError!]!
    userErrors: [UserError!]!
  }
`;
