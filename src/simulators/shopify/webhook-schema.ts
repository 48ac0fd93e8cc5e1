/**
 * Webhook subscriptions as the Admin API shows them (shop-scoped ones, created through the API):
 * the integration lists them to see that Shopify still delivers its order topics, and creates the
 * ones Shopify removed. Shopify names topics in the enum form (ORDERS_CREATE for orders/create).
 */
export const webhookSdl = /* GraphQL */ `
  extend type Query {
    webhookSubscriptions(first: Int, after: String, topics: [WebhookSubscriptionTopic!]): WebhookSubscriptionConnection!
  }

  extend type Mutation {
    webhookSubscriptionCreate(
      topic: WebhookSubscriptionTopic!
      webhookSubscription: WebhookSubscriptionInput!
    ): WebhookSubscriptionCreatePayload
  }

  enum WebhookSubscriptionTopic {
    ORDERS_CREATE
    ORDERS_CANCELLED
    ORDERS_FULFILLED
    REFUNDS_CREATE
    PRODUCTS_CREATE
    PRODUCTS_UPDATE
  }
  enum WebhookSubscriptionFormat {
    JSON
    XML
  }

  type WebhookSubscription implements Node {
    id: ID!
    topic: WebhookSubscriptionTopic!
    "Where deliveries go (an HTTPS address here)."
    uri: String!
    format: WebhookSubscriptionFormat!
    createdAt: DateTime!
  }
  type WebhookSubscriptionEdge {
    cursor: String!
    node: WebhookSubscription!
  }
  type WebhookSubscriptionConnection {
    nodes: [WebhookSubscription!]!
    edges: [WebhookSubscriptionEdge!]!
    pageInfo: PageInfo!
  }

  input WebhookSubscriptionInput {
    uri: String
    format: WebhookSubscriptionFormat
  }
  type WebhookSubscriptionCreatePayload {
    webhookSubscription: WebhookSubscription
    userErrors: [UserError!]!
  }
`;
