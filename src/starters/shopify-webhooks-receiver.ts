import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { shopifyOrderWebhookSchema, shopifyWebhookHeaders, verifyShopifyWebhook } from '../connectors/ecommerce/shopify/webhooks';
import type { ShortStockRule } from '../domain/click-and-collect';
import { clickAndCollectWorkflowId } from '../domain/ids';
import type { clickAndCollectWorkflow } from '../workflows/click-and-collect';
import { webOrderCancelledSignal, type ClickAndCollectInput, type WebOrderCancelled } from '../workflows/click-and-collect-contract';
import { TASK_QUEUES } from '../workflows/task-queues';
import { readRawBody, reply, serverLifecycle } from './http-io';

/**
 * POST /webhooks/shopify: orders/create starts the order's click & collect workflow (which reads
 * the order and ends at once when nothing is to be collected), orders/cancelled tells it the
 * customer cancelled. 200 only once Temporal has accepted it; 401 for a bad signature; 400 naming
 * the header or field; 503 when Temporal is unreachable, so Shopify retries.
 */
export interface ShopifyWebhooksOptions {
  client: Client;
  accountId: number;
  /** App client secrets; more than one while a rotated secret is still in use. */
  secrets: string[];
  logger: Logger;
  pickupExpiry: string;
  whenShort: ShortStockRule;
  vatPercent: number;
  /** ERP_LATE_COMMIT_WINDOW, passed on to the click & collect workflows it starts. */
  erpLateCommitWindow?: string;
  /** Shopify wants an answer within 5 s. */
  temporalDeadlineMs?: number;
  maxBodyBytes?: number;
}

export type WebhookOutcome = 'started' | 'signalled' | 'duplicate' | 'ignored';

const SEEN_KEPT = 50_000;

export function createShopifyWebhooksReceiver(opts: ShopifyWebhooksOptions) {
  const stats = { received: 0, unauthorized: 0, badRequests: 0, unavailable: 0, outcomes: { started: 0, signalled: 0, duplicate: 0, ignored: 0 } as Record<WebhookOutcome, number> };
  // Webhook ids handed to Temporal; a retry of the same delivery is acknowledged without another call.
  const seen = new Set<string>();

  function collectStart(webOrderId: string) {
    const args: ClickAndCollectInput = {
      accountId: opts.accountId, webOrderId, pickupExpiry: opts.pickupExpiry, whenShort: opts.whenShort, vatPercent: opts.vatPercent,
      ...(opts.erpLateCommitWindow ? { erpLateCommitWindow: opts.erpLateCommitWindow } : {}),
    };
    return { workflowId: clickAndCollectWorkflowId(webOrderId), taskQueue: TASK_QUEUES.main, args: [args] as [ClickAndCollectInput], workflowIdReusePolicy: 'REJECT_DUPLICATE' as const };
  }

  async function route(topic: string, webhookId: string, webOrderId: string): Promise<WebhookOutcome> {
    try {
      if (topic === 'orders/create') {
        await opts.client.workflow.start<typeof clickAndCollectWorkflow>('clickAndCollectWorkflow', { ...collectStart(webOrderId), workflowIdConflictPolicy: 'USE_EXISTING' });
        return 'started';
      }
      if (topic === 'orders/cancelled') {
        // With start: a cancellation overtaking its orders/create still reaches the order's workflow.
        await opts.client.workflow.signalWithStart<typeof clickAndCollectWorkflow, [WebOrderCancelled]>('clickAndCollectWorkflow', {
          ...collectStart(webOrderId), signal: webOrderCancelledSignal, signalArgs: [{ webhookId }],
        });
        return 'signalled';
      }
    } catch (err) {
      // The order's workflow already finished: the order is settled, nothing left to do.
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'ignored';
      throw err;
    }
    return 'ignored';
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://receiver').pathname;
    if (path === '/healthz') return reply(res, 200, { ok: true });
    if (path !== '/webhooks/shopify') return reply(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return reply(res, 405, { error: 'use POST' }, { allow: 'POST' });
    const raw = await readRawBody(req, opts.maxBodyBytes ?? 1_000_000);
    if (raw === undefined) return reply(res, 413, { error: 'body too large' });
    stats.received++;
    if (!verifyShopifyWebhook(raw, header(req, 'x-shopify-hmac-sha256'), opts.secrets)) {
      stats.unauthorized++;
      opts.logger.warn({ remote: req.socket.remoteAddress }, 'refused a Shopify webhook with a bad signature');
      return reply(res, 401, { error: 'invalid X-Shopify-Hmac-Sha256 signature' });
    }
    const headers = shopifyWebhookHeaders(req.headers);
    if ('field' in headers) {
      stats.badRequests++;
      return reply(res, 400, { error: headers.error, field: headers.field });
    }
    if (seen.has(headers.webhookId)) {
      stats.outcomes.duplicate++;
      return reply(res, 200, { outcome: 'duplicate' });
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      stats.badRequests++;
      return reply(res, 400, { error: 'body is not JSON', field: '(root)' });
    }
    const order = shopifyOrderWebhookSchema.safeParse(json);
    if (!order.success) {
      stats.badRequests++;
      const issue = order.error.issues[0]!;
      const field = issue.path.join('.') || '(root)';
      return reply(res, 400, { error: `not a Shopify order: ${field}: ${issue.message}`, field });
    }
    let outcome: WebhookOutcome;
    try {
      outcome = await opts.client.withDeadline(Date.now() + (opts.temporalDeadlineMs ?? 4_000), () => route(headers.topic, headers.webhookId, String(order.data.id)));
    } catch (err) {
      stats.unavailable++;
      opts.logger.error({ err: (err as Error).message, webhookId: headers.webhookId, topic: headers.topic }, 'Temporal did not accept the webhook; asking Shopify to retry');
      return reply(res, 503, { error: 'temporarily unavailable, retry' }, { 'retry-after': '5' });
    }
    stats.outcomes[outcome]++;
    seen.add(headers.webhookId);
    if (seen.size > SEEN_KEPT) seen.delete(seen.values().next().value!);
    reply(res, 200, { outcome });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.logger.error({ err: (err as Error).message }, 'Shopify webhooks receiver failed');
      if (!res.headersSent) reply(res, 503, { error: 'temporarily unavailable, retry' });
    });
  });

  return {
    server,
    stats,
    ...serverLifecycle(server),
  };
}

export type ShopifyWebhooksReceiver = ReturnType<typeof createShopifyWebhooksReceiver>;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
