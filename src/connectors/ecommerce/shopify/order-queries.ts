/**
 * GraphQL documents for orders, pickup, refunds and cancellation. Page sizes are chosen so the
 * order read stays under Shopify's 1,000-point single-query cap (about 820 points requested
 * since it reads each line's discounts and taxes and the order's transactions; the unused part
 * is refunded after execution). An order past these sizes is reported, not silently truncated.
 */
export const ORDER_LIMITS = {
  lines: 50,
  fulfillmentOrders: 5,
  fulfillmentOrderLines: 25,
  refunds: 10,
  refundLines: 10,
  transactions: 20,
  taxLines: 5,
} as const;

export const ORDER = /* GraphQL */ `
  query Order($id: ID!) {
    order(id: $id) {
      id
      legacyResourceId
      name
      createdAt
      cancelledAt
      currencyCode
      displayFinancialStatus
      taxesIncluded
      totalRefundedSet { shopMoney { amount } }
      lineItems(first: ${ORDER_LIMITS.lines}) {
        nodes {
          id sku quantity originalUnitPriceSet { shopMoney { amount } }
          discountAllocations { allocatedAmountSet { shopMoney { amount } } }
          taxLines(first: ${ORDER_LIMITS.taxLines}) { priceSet { shopMoney { amount } } }
        }
        pageInfo { hasNextPage }
      }
      transactions(first: ${ORDER_LIMITS.transactions}) { id kind status gateway amountSet { shopMoney { amount } } parentTransaction { id } }
      fulfillmentOrders(first: ${ORDER_LIMITS.fulfillmentOrders}) {
        nodes {
          id
          status
          deliveryMethod { methodType }
          assignedLocation { location { id } }
          lineItems(first: ${ORDER_LIMITS.fulfillmentOrderLines}) {
            nodes { id remainingQuantity lineItem { id sku } }
            pageInfo { hasNextPage }
          }
        }
        pageInfo { hasNextPage }
      }
      refunds(first: ${ORDER_LIMITS.refunds}) {
        id
        refundLineItems(first: ${ORDER_LIMITS.refundLines}) {
          nodes { quantity lineItem { id } }
          pageInfo { hasNextPage }
        }
      }
    }
  }
`;

export const ORDER_CANCELLED_AT = /* GraphQL */ `
  query OrderCancelledAt($id: ID!) {
    order(id: $id) {
      id
      cancelledAt
    }
  }
`;

export const FULFILLMENT_ORDER_STATE = /* GraphQL */ `
  query FulfillmentOrderState($id: ID!) {
    fulfillmentOrder(id: $id) {
      id
      status
      deliveryMethod {
        methodType
      }
    }
  }
`;

export const PREPARED_FOR_PICKUP = /* GraphQL */ `
  mutation PreparedForPickup($input: FulfillmentOrderLineItemsPreparedForPickupInput!) {
    fulfillmentOrderLineItemsPreparedForPickup(input: $input) {
      userErrors {
        field
        message
        code
      }
    }
  }
`;

/** No line list: the whole fulfilment order is handed over. */
export const FULFIL = /* GraphQL */ `
  mutation FulfilPickup($fulfillment: FulfillmentInput!) {
    fulfillmentCreate(fulfillment: $fulfillment) {
      fulfillment {
        id
        status
      }
      userErrors {
        field
        message
      }
    }
  }
`;

/** The key travels as a variable so one document serves every refund. */
export const REFUND_CREATE = /* GraphQL */ `
  mutation RefundLines($input: RefundInput!, $key: String!) {
    refundCreate(input: $input) @idempotent(key: $key) {
      refund {
        id
        totalRefundedSet {
          shopMoney {
            amount
          }
        }
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export const ORDER_CANCEL = /* GraphQL */ `
  mutation CancelOrder(
    $orderId: ID!
    $reason: OrderCancelReason!
    $restock: Boolean!
    $notifyCustomer: Boolean
    $staffNote: String
    $refundMethod: OrderCancelRefundMethodInput
  ) {
    orderCancel(
      orderId: $orderId
      reason: $reason
      restock: $restock
      notifyCustomer: $notifyCustomer
      staffNote: $staffNote
      refundMethod: $refundMethod
    ) {
      job {
        id
        done
      }
      orderCancelUserErrors {
        field
        message
        code
      }
    }
  }
`;

export const JOB = /* GraphQL */ `
  query Job($id: ID!) {
    job(id: $id) {
      id
      done
    }
  }
`;
