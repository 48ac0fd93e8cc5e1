import { z } from 'zod';
import { PermanentError } from '../../http';
import type { WebhookSubscriptionInfo, WebOrderChangesPage } from '../port';
import type { GraphqlCall } from './orders';
import { userErrorSchema } from './schemas';
import { allNodes } from './paging';

/**
 * The order poll's side of the Admin API: orders changed since a time (the fallback for missed
 * webhooks, ecommerce-shopify-api.md §4), and the webhook subscriptions that should make the poll
 * unnecessary (§12). Kept apart from orders.ts, which serves one order at a time.
 */
const SYSTEM = 'shopify';
type CallOpts = { signal?: AbortSignal };

export const ORDERS_CHANGED_SINCE = /* GraphQL */ `
  query OrdersChangedSince($first: Int!, $after: String, $query: String!) {
    orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
      nodes {
        id
        legacyResourceId
        name
        updatedAt
        cancelledAt
        displayFulfillmentStatus
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

export const WEBHOOK_SUBSCRIPTIONS = /* GraphQL */ `
  query WebhookSubscriptions($first: Int!, $after: String, $topics: [WebhookSubscriptionTopic!]) {
    webhookSubscriptions(first: $first, after: $after, topics: $topics) {
      nodes {
        id
        topic
        uri
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

export const WEBHOOK_SUBSCRIPTION_CREATE = /* GraphQL */ `
  mutation WebhookSubscriptionCreate(
    $topic: WebhookSubscriptionTopic!
    $webhookSubscription: WebhookSubscriptionInput!
  ) {
    webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
      webhookSubscription {
        id
        topic
        uri
      }
      userErrors {
        field
        message
      }
    }
  }
`;

const pageInfoSchema = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });
const ordersChangedSchema = z.object({
  orders: z.object({
    nodes: z.array(
      z.object({
        id: z.string(),
        legacyResourceId: z.union([z.string(), z.number()]).transform(String),
        name: z.string(),
        updatedAt: z.string(),
        cancelledAt: z.string().nullable(),
        displayFulfillmentStatus: z.string(),
      }),
    ),
    pageInfo: pageInfoSchema,
  }),
});
const subscriptionSchema = z.object({ id: z.string(), topic: z.string(), uri: z.string() });
const subscriptionsSchema = z.object({
  webhookSubscriptions: z.object({ nodes: z.array(subscriptionSchema), pageInfo: pageInfoSchema }),
});
const subscriptionCreateSchema = z.object({
  webhookSubscriptionCreate: z.object({
    webhookSubscription: subscriptionSchema.nullable(),
    userErrors: z.array(userErrorSchema),
  }),
});

/** `orders/create` <-> `ORDERS_CREATE`, the WebhookSubscriptionTopic enum. */
export const topicEnum = (topic: string) => topic.toUpperCase().replace(/\//g, '_');
const topicName = (value: string) => value.toLowerCase().replace('_', '/');

/** A time as Shopify's search takes it, quoted so the colons stay inside the value. */
export const updatedSinceQuery = (iso: string) => `updated_at:>='${iso}'`;

export class ShopifyOrderPoll {
  constructor(private readonly call: GraphqlCall) {}

  async listOrdersChangedSince(
    input: { updatedAtFrom: string; first: number; after?: string },
    opts: CallOpts = {},
  ): Promise<WebOrderChangesPage> {
    if (Number.isNaN(Date.parse(input.updatedAtFrom)))
      throw new PermanentError(
        `${SYSTEM} OrdersChangedSince: ${JSON.stringify(input.updatedAtFrom)} is not a time`,
        SYSTEM,
        0,
        'InvalidInput',
      );
    const variables = { first: input.first, after: input.after ?? null, query: updatedSinceQuery(input.updatedAtFrom) };
    const data = await this.call('OrdersChangedSince', ORDERS_CHANGED_SINCE, variables, ordersChangedSchema, opts);
    return {
      orders: data.orders.nodes.map((o) => ({
        id: o.id,
        legacyId: o.legacyResourceId,
        name: o.name,
        updatedAt: o.updatedAt,
        cancelledAt: o.cancelledAt,
        fulfillmentStatus: o.displayFulfillmentStatus,
      })),
      endCursor: data.orders.pageInfo.endCursor,
      hasNextPage: data.orders.pageInfo.hasNextPage,
    };
  }

  async listWebhookSubscriptions(topics: string[], opts: CallOpts = {}): Promise<WebhookSubscriptionInfo[]> {
    const variables = (after: string | null) => ({ first: 50, after, topics: topics.map(topicEnum) });
    const nodes = await allNodes(
      async (after) =>
        (await this.call('WebhookSubscriptions', WEBHOOK_SUBSCRIPTIONS, variables(after), subscriptionsSchema, opts))
          .webhookSubscriptions,
    );
    return nodes.map((s) => ({ id: s.id, topic: topicName(s.topic), uri: s.uri }));
  }

  async createWebhookSubscription(topic: string, uri: string, opts: CallOpts = {}): Promise<WebhookSubscriptionInfo> {
    const variables = { topic: topicEnum(topic), webhookSubscription: { uri, format: 'JSON' } };
    const data = await this.call(
      'WebhookSubscriptionCreate',
      WEBHOOK_SUBSCRIPTION_CREATE,
      variables,
      subscriptionCreateSchema,
      opts,
      'mutation',
    );
    const { webhookSubscription, userErrors } = data.webhookSubscriptionCreate;
    if (userErrors.length || !webhookSubscription) {
      throw new PermanentError(
        `${SYSTEM} WebhookSubscriptionCreate refused ${topic} -> ${uri}: ${userErrors.map((e) => e.message).join('; ') || 'no subscription returned'}`,
        SYSTEM,
        200,
        'SUBSCRIPTION_REFUSED',
      );
    }
    return { id: webhookSubscription.id, topic: topicName(webhookSubscription.topic), uri: webhookSubscription.uri };
  }
}
