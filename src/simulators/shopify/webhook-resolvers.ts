import { connection } from './paging';
import type { ShopifyWebhooks } from './webhooks';

/** `orders/create` <-> `ORDERS_CREATE`. */
export const topicEnum = (topic: string) => topic.toUpperCase().replace('/', '_');
export const topicName = (value: string) => value.toLowerCase().replace('_', '/');

export function webhookRootValue(webhooks: ShopifyWebhooks): Record<string, unknown> {
  // The simulator lets one subscription carry several topics; the API shows one node per topic.
  const nodes = () =>
    webhooks.list().flatMap((s, i) =>
      s.topics.map((topic, j) => ({
        num: (i + 1) * 100 + j,
        node: {
          __typename: 'WebhookSubscription',
          id: s.topics.length > 1 ? `${s.id}?topic=${topic}` : s.id,
          topic: topicEnum(topic),
          uri: s.url,
          format: 'JSON',
          createdAt: s.createdAt,
        },
      })),
    );
  return {
    webhookSubscriptions: (args: { first?: number | null; after?: string | null; topics?: string[] | null }) => {
      const wanted = args.topics ? new Set(args.topics) : undefined;
      const all = nodes().filter((n) => !wanted || wanted.has(n.node.topic));
      return connection(
        all,
        args,
        (n) => String(n.num),
        (n) => n.node,
      );
    },
    webhookSubscriptionCreate: ({
      topic,
      webhookSubscription,
    }: {
      topic: string;
      webhookSubscription: { uri?: string | null; format?: string | null };
    }) => {
      const uri = webhookSubscription.uri ?? '';
      if (!/^https?:\/\/\S+$/.test(uri))
        return {
          webhookSubscription: null,
          userErrors: [{ field: ['webhookSubscription', 'uri'], message: 'Address is invalid' }],
        };
      const existing = webhooks.list().find((s) => s.url === uri && s.topics.includes(topicName(topic)));
      if (existing)
        return {
          webhookSubscription: null,
          userErrors: [
            { field: ['webhookSubscription', 'uri'], message: 'Address for this topic has already been taken' },
          ],
        };
      const s = webhooks.createFromApi(topicName(topic), uri);
      return {
        webhookSubscription: {
          id: s.id,
          topic,
          uri: s.url,
          format: webhookSubscription.format ?? 'JSON',
          createdAt: s.createdAt,
        },
        userErrors: [],
      };
    },
  };
}
