import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { request } from 'undici';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth } from '../../src/connectors/http';
import {
  clickAndCollectWorkflowId,
  endOfDayScheduleId,
  shopifyWebhookExceptionWorkflowId,
  sitooEventExceptionWorkflowId,
} from '../../src/domain/ids';
import type { LocalStack } from '../../src/local/stack';
import { findTemporalCli, PROJECT_ROOT } from '../../src/local/temporal-cli';
import { signWebhook } from '../../src/simulators/shopify';
import type { UnstorableEventKind } from '../../src/simulators/sitoo/events';
import { createShopifyWebhooksReceiver } from '../../src/starters/shopify-webhooks-receiver';
import { createSitooEventsReceiver } from '../../src/starters/sitoo-events-receiver';
import { STORE_LEFT_MAPPING } from '../../src/client/end-of-day-schedules';
import { clickAndCollectStatusQuery, webOrderCancelledSignal } from '../../src/workflows/click-and-collect-contract';
import {
  recordedExceptionStatusQuery,
  type RecordedExceptionStatus,
} from '../../src/workflows/recorded-exception-contract';
import { resolveUpdate } from '../../src/workflows/sale-contract';
import { head, RawConnection } from '../support/raw-http';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';
import { saleHandle, saleResult, sell, startTestStack, webLocation } from './stack-fixture';

// The receivers under hostile and unlucky input: events that cannot be stored as they are,
// unsigned webhook headers, start-up while Sitoo is down, and raw HTTP abuse.
let t: TestTemporal;
let stack: LocalStack;

beforeAll(async () => {
  t = await connectTemporal('e2e-receivers');
  stack = await startTestStack(t, 'receivers');
});

afterAll(async () => {
  await stack?.close();
  await t?.close();
});

/**
 * The receiver as Kubernetes runs it: its own process, reading `stack.envVars` plus `env`. Its
 * JSON log lines are collected in `lines` as they come, its stderr kept for failure messages.
 */
function startReceiverProcess(env: Record<string, string>) {
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/starters/run-events-receiver.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...stack.envVars, EVENTS_PORT: '0', WEBHOOKS_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    partial += d.toString();
    const all = partial.split('\n');
    partial = all.pop()!;
    for (const line of all) if (line.trim().startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { child, lines, stderr: () => stderr };
}

/** Schedules are per namespace and the receiver makes them all: a test that started one removes them. */
async function deleteAllSchedules() {
  for await (const s of stack.client.schedule.list())
    await stack.client.schedule
      .getHandle(s.scheduleId)
      .delete()
      .catch(() => undefined);
}

const eventsAuth = () => basicAuth(stack.env.EVENTS_USERNAME, stack.env.EVENTS_PASSWORD);
const secret = () => stack.env.SHOPIFY_WEBHOOK_SECRETS[0]!;

/** Depth of a JSON value (the parked copy must stay shallow enough to be stored and shown). */
function depth(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depth));
}

/** The parked exception for an odd event, found by what its stored copy says. */
async function parkedEvent(since: Date, match: (event: Record<string, unknown>) => boolean) {
  return waitFor('the odd event parked as an exception', async () => {
    for await (const wf of stack.client.workflow.list({
      query: `WorkflowType = 'recordedExceptionWorkflow' AND WorkflowId STARTS_WITH 'sitoo-event-' AND StartTime >= '${since.toISOString()}'`,
    })) {
      const handle = stack.client.workflow.getHandle(wf.workflowId);
      const status: RecordedExceptionStatus = await handle.query(recordedExceptionStatusQuery);
      const event = status.exception?.details.event as Record<string, unknown> | undefined;
      if (event && match(event)) return { handle, status, workflowId: wf.workflowId };
    }
    return undefined;
  });
}

/**
 * Sells `sales` orders while delivery is paused, then lets Sitoo send them with one odd event in
 * the first batch; returns the orders and the odd event. Sitoo blocks the stream until a batch is
 * acknowledged, so a receiver that refuses or fails the batch never drains it.
 */
async function deliverAmongSales(kind: UnstorableEventKind, sales: number) {
  const events = stack.sitoo.events;
  await events.stop();
  const orders = Array.from({ length: sales }, () => sell(stack, 101, [['TEE-1', 1]]));
  const before = { ...events.stats };
  events.configure({ unstorable: { kinds: [kind], rate: 1 } });
  events.start(); // the first batch is made here, with the odd event among the sales' events
  events.configure({ unstorable: null });
  const odd = events.unstorableEvents.at(-1)!;
  expect(odd.kind).toBe(kind);
  await events.waitUntilDrained(20_000);
  return { orders, odd: odd.event as Record<string, unknown>, before };
}

describe('Sitoo events that cannot be stored as they are', () => {
  it('acknowledges an event nested 5,000 levels deep, parks a bounded copy, and the sales around it go through', async () => {
    const since = new Date(Date.now() - 1000);
    const { orders, odd, before } = await deliverAmongSales('deep-nesting', 2);
    // Acknowledged the first time: no 503 (Sitoo would resend it forever), no 400 (Sitoo drops the batch).
    expect(stack.sitoo.events.stats.failedAttempts).toBe(before.failedAttempts);
    expect(stack.sitoo.events.stats.dropped).toBe(before.dropped);
    for (const order of orders) expect((await saleResult(stack, order.orderId)).outcome).toBe('completed');
    const { status, workflowId } = await parkedEvent(since, (e) => e.event_id === odd.event_id);
    expect(workflowId).toBe(sitooEventExceptionWorkflowId(stack.env.SITOO_ACCOUNT_ID, odd.event_id as string));
    expect(status.exception).toMatchObject({
      type: 'unprocessable-event',
      owner: 'integration-ops',
      allowedActions: ['skip'],
    });
    expect(depth(status.exception!.details.event)).toBeLessThan(40);
    expect(JSON.stringify(status).length).toBeLessThan(64_000);
  });

  it('acknowledges an event whose event_id is a lone surrogate and parks it under a valid workflow id', async () => {
    const since = new Date(Date.now() - 1000);
    const { orders, odd, before } = await deliverAmongSales('lone-surrogate-id', 1);
    expect(stack.sitoo.events.stats.failedAttempts).toBe(before.failedAttempts);
    expect((await saleResult(stack, orders[0]!.orderId)).outcome).toBe('completed');
    const uuid = (odd.event_id as string).slice(1);
    const { status, workflowId, handle } = await parkedEvent(
      since,
      (e) => typeof e.event_id === 'string' && e.event_id.endsWith(uuid),
    );
    expect(workflowId).toMatch(/^sitoo-event-\d+-[\w.:-]+$/);
    expect(status.exception).toMatchObject({ type: 'unprocessable-event', owner: 'integration-ops' });
    // The stored copy is valid UTF-8: the lone surrogate became U+FFFD.
    expect(status.exception!.details.event).toMatchObject({ event_id: `\ufffd${uuid}`, event_type: 'loyalty-points' });
    await handle.executeUpdate(resolveUpdate, { args: [{ action: 'skip', reason: 'not a Sitoo event we know' }] });
    expect(await handle.result()).toMatchObject({ action: 'skip' });
  });

  it('in a batch with one malformed event, parks that one and processes the others', async () => {
    const since = new Date(Date.now() - 1000);
    const { orders, before } = await deliverAmongSales('malformed', 3);
    expect(stack.sitoo.events.stats.dropped).toBe(before.dropped);
    expect(stack.sitoo.events.stats.failedAttempts).toBe(before.failedAttempts);
    for (const order of orders) expect((await saleResult(stack, order.orderId)).outcome).toBe('completed');
    const { status } = await parkedEvent(since, (e) => e.event_date === 'yesterday' && e.event_id === undefined);
    expect(status.exception).toMatchObject({ type: 'unprocessable-event', owner: 'integration-ops' });
    expect(status.exception!.message).toMatch(/data/);
  });

  it('still refuses with 400 a body that is not a JSON array of events, naming the field', async () => {
    const post = (body: string) =>
      request(`${stack.receiverUrl}/events`, {
        method: 'POST',
        headers: { authorization: eventsAuth(), 'content-type': 'application/json' },
        body,
      });
    for (const body of ['{"event_id":"x"}', '[]', '"events"']) {
      const res = await post(body);
      expect(res.statusCode).toBe(400);
      expect(await res.body.json()).toMatchObject({ field: '(root)' });
    }
  });
});

describe('Shopify webhooks that cannot be stored as they are', () => {
  it('acknowledges a signed order webhook whose id has 5,000 digits and parks it with an owner', async () => {
    const webhookId = randomUUID();
    const body = JSON.stringify({
      id: '9'.repeat(5_000),
      admin_graphql_api_id: `gid://shopify/Order/${'9'.repeat(5_000)}`,
      name: '#9',
      created_at: new Date().toISOString(),
      cancelled_at: null,
      line_items: [],
    });
    const res = await request(`${stack.webhooksUrl}/webhooks/shopify`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-shopify-hmac-sha256': signWebhook(body, secret()),
        'x-shopify-topic': 'orders/create',
        'x-shopify-webhook-id': webhookId,
        'x-shopify-shop-domain': new URL(stack.env.SHOPIFY_SHOP_URL).hostname,
      },
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    const handle = stack.client.workflow.getHandle(shopifyWebhookExceptionWorkflowId(webhookId));
    const status = await waitFor(
      'the webhook parked',
      async () => (await handle.query(recordedExceptionStatusQuery)).exception,
    );
    expect(status).toMatchObject({ type: 'unprocessable-event', owner: 'integration-ops', allowedActions: ['skip'] });
    expect(JSON.stringify(status).length).toBeLessThan(64_000);
    await handle.executeUpdate(resolveUpdate, { args: [{ action: 'skip' }] });
    await handle.result();
  });
});

describe('unsigned Shopify webhook headers', () => {
  const handleOf = (webOrderId: string) => stack.client.workflow.getHandle(clickAndCollectWorkflowId(webOrderId));
  const placeOrder = () =>
    stack.ecommerce.state.createOrder({
      lines: [{ sku: 'CAP-1', quantity: 1, price: '149.00' }],
      pickupLocationId: webLocation(stack, 'S01'),
    });
  const attemptsFor = (topic: string, shopDomain?: string) =>
    stack.ecommerce.webhooks.attempts.filter(
      (a) => a.topic === topic && (shopDomain === undefined || a.shopDomain === shopDomain),
    );

  it('does not act on a delivery from another shop the app is installed in, and acknowledges it', async () => {
    const foreign = 'another-shop.myshopify.com';
    stack.ecommerce.webhooks.configure({ shopDomain: foreign });
    try {
      const placed = placeOrder();
      await stack.ecommerce.webhooks.idle();
      const attempts = attemptsFor('orders/create', foreign);
      expect(attempts.map((a) => a.status)).toEqual([200]);
      await expect(handleOf(placed.legacyId).describe()).rejects.toThrow(/not found/i);
      expect(stack.webhooks.stats.outcomes['foreign-shop']).toBe(1);
    } finally {
      stack.ecommerce.webhooks.configure({ shopDomain: new URL(stack.env.SHOPIFY_SHOP_URL).hostname });
    }
  });

  it('does not tell the workflow an order was cancelled when a create body is replayed as orders/cancelled', async () => {
    stack.ecommerce.webhooks.configure({ replayUnderTopic: { 'orders/create': 'orders/cancelled' } });
    try {
      const placed = placeOrder();
      await stack.ecommerce.webhooks.idle();
      const replay = stack.ecommerce.webhooks.attempts.filter((a) => a.replayOf === 'orders/create');
      expect(replay.length).toBeGreaterThan(0);
      expect(replay.every((a) => a.status === 200)).toBe(true);
      const handle = handleOf(placed.legacyId);
      const settled = async () =>
        (await handle.describe()).status.name !== 'RUNNING' ||
        (await handle.query(clickAndCollectStatusQuery)).step === 'awaiting-store';
      await waitFor('the order waiting for the store (or already finished)', settled);
      const history = await handle.fetchHistory();
      expect(
        history.events?.filter(
          (e) => e.workflowExecutionSignaledEventAttributes?.signalName === webOrderCancelledSignal.name,
        ) ?? [],
      ).toHaveLength(0);
      expect((await handle.query(clickAndCollectStatusQuery)).step).toBe('awaiting-store');
      expect(stack.webhooks.stats.outcomes['topic-mismatch']).toBeGreaterThan(0);
      stack.ecommerce.state.cancelOrderAsCustomer(placed.id);
      expect((await handle.result()).outcome).toBe('cancelled');
    } finally {
      stack.ecommerce.webhooks.configure({ replayUnderTopic: {} });
    }
  });

  it('acts on a delivery with a stale, future or unreadable X-Shopify-Triggered-At: it decides nothing', async () => {
    stack.ecommerce.webhooks.configure({ triggeredAtAgeMs: 5 * 3600_000 });
    try {
      const stale = placeOrder();
      await waitFor('the stale delivery started its workflow', () =>
        handleOf(stale.legacyId)
          .describe()
          .then(() => true),
      );
    } finally {
      stack.ecommerce.webhooks.configure({ triggeredAtAgeMs: 0 });
    }
    await stack.ecommerce.webhooks.stop();
    const placed = placeOrder();
    for (const triggeredAt of ['2999-01-01T00:00:00Z', 'last tuesday']) {
      const body = JSON.stringify({
        id: Number(placed.legacyId),
        admin_graphql_api_id: placed.id,
        name: placed.name,
        created_at: new Date().toISOString(),
        cancelled_at: null,
        line_items: [],
      });
      const res = await request(`${stack.webhooksUrl}/webhooks/shopify`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-shopify-hmac-sha256': signWebhook(body, secret()),
          'x-shopify-topic': 'orders/create',
          'x-shopify-webhook-id': randomUUID(),
          'x-shopify-shop-domain': new URL(stack.env.SHOPIFY_SHOP_URL).hostname,
          'x-shopify-triggered-at': triggeredAt,
        },
      });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
    }
    await handleOf(placed.legacyId).describe();
    stack.ecommerce.webhooks.start();
  });
});

describe('start-up while Sitoo is down', () => {
  let child: ChildProcess | undefined;

  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('listens and takes events while Sitoo is down, and sets its schedules up without Sitoo (store zones come from the mapping)', async () => {
    stack.sitoo.faults.set({ outage: { from: Date.now(), until: Date.now() + 3600_000 } });
    try {
      const receiver = startReceiverProcess({});
      child = receiver.child;
      const { lines, stderr } = receiver;
      const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the receiver process did not listen within 45 s: ${stderr().slice(-400)}`)),
          45_000,
        );
        child!.on('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`the receiver process exited with code ${code} before listening: ${stderr().slice(-400)}`));
        });
        child!.stdout!.on('data', () => {
          const found = lines.find((l) => typeof l.url === 'string' && typeof l.webhooks === 'string');
          if (found) {
            clearTimeout(timer);
            resolve(found);
          }
        });
      });
      const eventsUrl = String(listening.url).replace(/\/events$/, '');

      const health = await request(`${eventsUrl}/healthz`);
      expect(health.statusCode).toBe(200);
      await health.body.dump();

      const order = sell(stack, 102, [['BOOK-1', 1]]);
      const event = {
        event_id: randomUUID(),
        event_type: 'order',
        event_date: Math.floor(Date.now() / 1000),
        account_id: stack.env.SITOO_ACCOUNT_ID,
        data: { eshop_id: 1, order_id: order.orderId, warehouse_id: 102, order_event_type: 'add' },
      };
      const res = await request(`${eventsUrl}/events`, {
        method: 'POST',
        headers: { authorization: eventsAuth(), 'content-type': 'application/json' },
        body: JSON.stringify([event]),
      });
      expect(res.statusCode).toBe(200);
      await res.body.dump();

      // Before: the end-of-day schedules waited for Sitoo's site time zone. Each store's zone now
      // comes from the mapping, so they are in place while Sitoo is still down.
      const schedule = await waitFor(
        'the end-of-day schedules',
        () =>
          stack.client.schedule
            .getHandle(endOfDayScheduleId('S01'))
            .describe()
            .catch(() => undefined),
        60_000,
      );
      expect(schedule.spec.timezone).toBe(
        stack.mapping.stores.find((st) => st.storeId === 'S01')?.timeZone ?? 'Europe/Stockholm',
      );
      expect(stack.sitoo.faults.current.outage).not.toBeNull();
      stack.sitoo.faults.set({ outage: null });
      expect((await saleResult(stack, order.orderId)).outcome).toBe('completed');
      const after = (await (await request(`${eventsUrl}/healthz`)).body.json()) as {
        setup: { done: boolean; pending: string[] };
      };
      expect(after.setup).toMatchObject({ done: true, pending: [] });
    } finally {
      stack.sitoo.faults.set({ outage: null });
      child?.kill('SIGTERM');
      await deleteAllSchedules();
    }
  });
});

describe('receiver hardening (raw HTTP)', () => {
  const sitooPost = (length: number | undefined, extra: Record<string, string | number> = {}) =>
    head('POST', '/events', {
      authorization: eventsAuth(),
      'content-type': 'application/json',
      ...(length === undefined ? {} : { 'content-length': length }),
      ...extra,
    });

  it('refuses a body too large by its Content-Length before reading it, and the connection stays usable', async () => {
    for (const [url, request] of [
      [stack.receiverUrl, sitooPost(2_000_000)],
      [
        stack.webhooksUrl,
        head('POST', '/webhooks/shopify', {
          'content-type': 'application/json',
          'content-length': 2_000_000,
          'x-shopify-hmac-sha256': signWebhook('x', secret()),
        }),
      ],
    ] as const) {
      const conn = await RawConnection.open(url);
      await conn.write(request);
      // Nothing of the body is sent yet: the answer comes from the headers alone.
      const res = await conn.response();
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ field: 'Content-Length' });
      await conn.writeFiller(2_000_000);
      await conn.write(head('GET', '/healthz'));
      expect((await conn.response()).status).toBe(200);
      conn.destroy();
    }
  });

  it('answers 413 to a chunked body that grows past the limit, without resetting the connection', async () => {
    const conn = await RawConnection.open(stack.receiverUrl);
    await conn.write(sitooPost(undefined, { 'transfer-encoding': 'chunked' }));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    for (let sent = 0; sent < 1_500_000; sent += chunk.length)
      await conn.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
    await conn.write('0\r\n\r\n');
    const res = await conn.response();
    expect(res.status).toBe(413);
    await conn.write(head('GET', '/healthz'));
    expect((await conn.response()).status).toBe(200);
    expect(conn.ended).toBeUndefined();
    conn.destroy();
  });

  it('answers 413 to a client that declares a huge body and keeps sending, then closes cleanly', async () => {
    const conn = await RawConnection.open(stack.receiverUrl);
    await conn.write(sitooPost(50_000_000));
    const sending = conn.writeFiller(50_000_000);
    expect((await conn.response()).status).toBe(413);
    await conn.closedWithin(10_000);
    await sending;
  });

  it('answers 415 naming Content-Type for a body that is not JSON', async () => {
    const batch = JSON.stringify([
      {
        event_id: randomUUID(),
        event_type: 'z-report',
        event_date: 1,
        account_id: stack.env.SITOO_ACCOUNT_ID,
        data: {},
      },
    ]);
    const sitoo = await request(`${stack.receiverUrl}/events`, {
      method: 'POST',
      headers: { authorization: eventsAuth(), 'content-type': 'text/plain' },
      body: batch,
    });
    expect(sitoo.statusCode).toBe(415);
    expect(await sitoo.body.json()).toMatchObject({ field: 'Content-Type' });
    const body = '{}';
    const shopify = await request(`${stack.webhooksUrl}/webhooks/shopify`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-shopify-hmac-sha256': signWebhook(body, secret()),
      },
      body,
    });
    expect(shopify.statusCode).toBe(415);
    expect(await shopify.body.json()).toMatchObject({ field: 'Content-Type' });
  });

  it('refuses a webhook without a usable signature header before reading its body', async () => {
    for (const hmac of [undefined, 'not-a-digest']) {
      const conn = await RawConnection.open(stack.webhooksUrl);
      await conn.write(
        head('POST', '/webhooks/shopify', {
          'content-type': 'application/json',
          'content-length': 500_000,
          ...(hmac ? { 'x-shopify-hmac-sha256': hmac } : {}),
        }),
      );
      expect((await conn.response()).status).toBe(401);
      conn.destroy();
    }
  });

  it('verifies a signed webhook sent in small pieces (the HMAC is computed as the body streams in)', async () => {
    await stack.ecommerce.webhooks.stop();
    const placed = stack.ecommerce.state.createOrder({
      lines: [{ sku: 'TEE-1', quantity: 1, price: '199.00' }],
      pickupLocationId: webLocation(stack, 'S02'),
    });
    stack.ecommerce.webhooks.start();
    const body = Buffer.from(
      JSON.stringify({
        id: Number(placed.legacyId),
        admin_graphql_api_id: placed.id,
        name: placed.name,
        created_at: new Date().toISOString(),
        cancelled_at: null,
        line_items: [],
        note: 'x'.repeat(20_000),
      }),
    );
    const conn = await RawConnection.open(stack.webhooksUrl);
    await conn.write(
      head('POST', '/webhooks/shopify', {
        'content-type': 'application/json; charset=utf-8',
        'content-length': body.length,
        'x-shopify-hmac-sha256': signWebhook(body.toString(), secret()),
        'x-shopify-topic': 'orders/create',
        'x-shopify-webhook-id': randomUUID(),
        'x-shopify-shop-domain': new URL(stack.env.SHOPIFY_SHOP_URL).hostname,
      }),
    );
    for (let i = 0; i < body.length; i += 997) await conn.write(body.subarray(i, i + 997));
    expect((await conn.response()).status).toBe(200);
    conn.destroy();
  });

  describe('with tight limits', () => {
    const logged: Array<{ level: number; msg: string }> = [];
    const logger = pino(
      { level: 'debug' },
      { write: (line: string) => void logged.push(JSON.parse(line) as { level: number; msg: string }) },
    );
    const limits = {
      maxConnections: 2,
      headersTimeoutMs: 500,
      requestTimeoutMs: 1_000,
      keepAliveTimeoutMs: 300,
      maxRequestsPerSocket: 2,
      connectionsCheckingIntervalMs: 100,
    };
    let sitoo: ReturnType<typeof createSitooEventsReceiver>;
    let shopify: ReturnType<typeof createShopifyWebhooksReceiver>;
    let sitooUrl: string;
    let shopifyUrl: string;

    beforeAll(async () => {
      sitoo = createSitooEventsReceiver({
        client: stack.client,
        accountId: stack.env.SITOO_ACCOUNT_ID,
        eshopId: 1,
        paymentConfirmationTimeout: '1h',
        username: 'u',
        password: 'p',
        logger,
        limits,
      });
      shopify = createShopifyWebhooksReceiver({
        client: stack.client,
        accountId: stack.env.SITOO_ACCOUNT_ID,
        secrets: ['s'],
        shopDomain: 'retail.myshopify.com',
        logger,
        pickupExpiry: '1h',
        whenShort: 'park',
        vatPercent: 25,
        limits,
      });
      sitooUrl = await sitoo.listen(0);
      shopifyUrl = await shopify.listen(0);
    });

    afterAll(async () => {
      await sitoo?.close();
      await shopify?.close();
    });

    it('caps connections: one past the cap is closed without an answer, and room frees up again', async () => {
      for (const url of [sitooUrl, shopifyUrl]) {
        const held = [await RawConnection.open(url), await RawConnection.open(url)];
        const extra = await RawConnection.open(url);
        await extra.write(head('GET', '/healthz'));
        await expect(extra.response(2_000)).rejects.toThrow(/closed .* before a complete response/);
        held[0]!.destroy();
        await waitFor(
          'the freed slot',
          async () => {
            const conn = await RawConnection.open(url);
            try {
              await conn.write(head('GET', '/healthz'));
              return (await conn.response(1_000)).status === 200;
            } catch {
              return false;
            } finally {
              conn.destroy();
            }
          },
          5_000,
        );
        held[1]!.destroy();
      }
    });

    it('answers 408 and closes a connection whose headers never finish', async () => {
      const conn = await RawConnection.open(sitooUrl);
      await conn.write('POST /events HTTP/1.1\r\nhost: receiver\r\n');
      expect((await conn.response(5_000)).status).toBe(408);
      await conn.closedWithin(5_000);
    });

    it('closes idle keep-alive connections and limits requests per connection', async () => {
      const idle = await RawConnection.open(shopifyUrl);
      await idle.write(head('GET', '/healthz'));
      expect((await idle.response()).status).toBe(200);
      await idle.closedWithin(2_000);
      const busy = await RawConnection.open(sitooUrl);
      await busy.write(head('GET', '/healthz'));
      expect((await busy.response()).headers.connection).not.toBe('close');
      await busy.write(head('GET', '/healthz'));
      expect((await busy.response()).headers.connection).toBe('close');
      await busy.closedWithin(5_000);
    });

    it('logs a client that gives up mid-body below warn level, not as an error', async () => {
      for (const [url, request] of [
        [
          sitooUrl,
          head('POST', '/events', {
            authorization: basicAuth('u', 'p'),
            'content-type': 'application/json',
            'content-length': 1_000,
          }),
        ],
        [
          shopifyUrl,
          head('POST', '/webhooks/shopify', {
            'content-type': 'application/json',
            'content-length': 1_000,
            'x-shopify-hmac-sha256': signWebhook('x', 's'),
          }),
        ],
      ] as const) {
        const from = logged.length;
        const conn = await RawConnection.open(url);
        await conn.write(`${request}[{"event_id":`);
        conn.destroy();
        const line = await waitFor('a log line about the aborted client', () =>
          logged.slice(from).find((l) => /abort|went away|gone/i.test(JSON.stringify(l))),
        );
        expect(line.level).toBeLessThan(40);
        expect(logged.slice(from).filter((l) => l.level >= 50)).toEqual([]);
      }
    });
  });
});

describe('shutdown drain', () => {
  const quietLogger = pino({ level: 'silent' });
  const receiverFor = () =>
    createSitooEventsReceiver({
      client: stack.client,
      accountId: stack.env.SITOO_ACCOUNT_ID,
      eshopId: 1,
      paymentConfirmationTimeout: '1h',
      username: 'u',
      password: 'p',
      logger: quietLogger,
    });
  const batchFor = (orderId: number) =>
    Buffer.from(
      JSON.stringify([
        {
          event_id: randomUUID(),
          event_type: 'order',
          event_date: Math.floor(Date.now() / 1000),
          account_id: stack.env.SITOO_ACCOUNT_ID,
          data: { eshop_id: 1, order_id: orderId, warehouse_id: 101, order_event_type: 'add' },
        },
      ]),
    );
  const postHead = (length: number) =>
    head('POST', '/events', {
      authorization: basicAuth('u', 'p'),
      'content-type': 'application/json',
      'content-length': length,
    });

  it('finishes the batch it accepted and refuses what comes after shutdown began', async () => {
    const receiver = receiverFor();
    const url = await receiver.listen(0);
    const order = sell(stack, 101, [['TEE-1', 1]]);
    const body = batchFor(order.orderId);
    const accepted = new Promise<void>((ok) => receiver.server.once('request', () => ok()));
    // In flight: its head is read and its body still on its way when SIGTERM comes.
    const inFlight = await RawConnection.open(url);
    await inFlight.write(postHead(body.length));
    await inFlight.write(body.subarray(0, 10));
    await accepted;
    // Another client has a connection open and its request half sent.
    const late = await RawConnection.open(url);
    await late.write('GET /healthz HTTP/1.1\r\nhost: receiver\r\n');

    const closing = receiver.close(15_000);
    await expect(RawConnection.open(url)).rejects.toThrow(/ECONNREFUSED/);
    await late.write('\r\n');
    const refused = await late.response();
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBeDefined();
    await late.closedWithin(5_000);

    await inFlight.write(body.subarray(10));
    const answered = await inFlight.response(15_000);
    expect(answered.status).toBe(200);
    await closing;
  });

  it('closes a request still unfinished when the grace is over', async () => {
    const receiver = receiverFor();
    const url = await receiver.listen(0);
    const accepted = new Promise<void>((ok) => receiver.server.once('request', () => ok()));
    const stuck = await RawConnection.open(url);
    await stuck.write(`${postHead(1_000)}[{"event_id":`);
    await accepted;
    await receiver.close(300);
    await stuck.closedWithin(5_000);
  });
});

describe('the mapping changed under a running receiver', () => {
  let child: ChildProcess | undefined;
  let dir: string | undefined;

  afterAll(async () => {
    child?.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gives a new store its end-of-day schedule, moves a store to its new zone and pauses a removed one, without a restart', async () => {
    // The mapping mounted as Kubernetes mounts a ConfigMap: mapping.yaml -> ..data/mapping.yaml, ..data -> a versioned dir.
    dir = await mkdtemp(join(tmpdir(), 'receiver-configmap-'));
    const mountDir = dir;
    let version = 0;
    const publish = async (m: unknown) => {
      const versionDir = `..version_${++version}`;
      await mkdir(join(mountDir, versionDir));
      await writeFile(join(mountDir, versionDir, 'mapping.yaml'), stringify(m));
      await symlink(versionDir, join(mountDir, '..data_tmp'));
      await rename(join(mountDir, '..data_tmp'), join(mountDir, '..data'));
    };
    const original = parse(await readFile(stack.envVars.MAPPING_FILE!, 'utf8')) as {
      stores: Array<Record<string, unknown>>;
    };
    const [first, second, ...rest] = original.stores;
    // The stack's own stores, plus one that leaves the mapping later.
    const leaving = {
      ...first!,
      storeId: 'S98',
      name: 'Closing store',
      sitooWarehouseId: 998,
      erpLocationCode: 'STORE98',
      erpCustomerNumber: 'POS-S98',
      webLocationId: 'gid://shopify/Location/99998',
    };
    await publish({ ...original, stores: [...original.stores, leaving] });
    await symlink('..data/mapping.yaml', join(mountDir, 'mapping.yaml'));

    const receiver = startReceiverProcess({ MAPPING_FILE: join(mountDir, 'mapping.yaml') });
    child = receiver.child;
    const { lines } = receiver;
    const stderr = receiver.stderr;
    const exited = new Promise<number | null>((ok) => child!.once('exit', (code) => ok(code)));
    const schedule = (storeId: string) =>
      stack.client.schedule
        .getHandle(endOfDayScheduleId(storeId))
        .describe()
        .catch(() => undefined);
    try {
      await waitFor(
        `the receiver's end-of-day schedules (stderr: ${stderr().slice(-300)})`,
        async () => lines.some((l) => l.msg === 'start-up complete') && (await schedule('S98')),
        60_000,
      );
      expect(await schedule('S99')).toBeUndefined();

      const added = {
        ...leaving,
        storeId: 'S99',
        name: 'New store',
        sitooWarehouseId: 999,
        erpLocationCode: 'STORE99',
        erpCustomerNumber: 'POS-S99',
        webLocationId: 'gid://shopify/Location/99999',
        timeZone: 'America/New_York',
      };
      await publish({
        ...original,
        stores: [first, { ...second!, timeZone: 'Europe/Helsinki' }, ...rest, added],
      });
      const created = await waitFor("the new store's end-of-day schedule", () => schedule('S99'), 30_000);
      expect(created.spec.timezone).toBe('America/New_York');
      await waitFor(
        "the moved store's schedule in its new zone",
        async () => (await schedule(String(second!.storeId)))?.spec.timezone === 'Europe/Helsinki',
        30_000,
      );
      const paused = await waitFor(
        "the removed store's schedule paused",
        async () => {
          const s = await schedule('S98');
          return s?.state.paused ? s : undefined;
        },
        30_000,
      );
      expect(paused.state.note).toBe(STORE_LEFT_MAPPING);

      // A bad version is refused with its field and line, and the one in use stays.
      await publish({ ...original, stores: [{ ...first!, erpLocationCode: 'not a code' }] });
      const refusal = await waitFor('the bad mapping refused', () =>
        lines.find((l) => l.msg === 'mapping reload refused; keeping the last good mapping'),
      );
      expect(String(refusal.err)).toMatch(/mapping\.yaml:\d+: stores\.0\.erpLocationCode/);
      expect((await schedule('S99'))?.state.paused).toBe(false);

      // The store comes back: its schedule runs again.
      await publish({ ...original, stores: [...original.stores, leaving, added] });
      await waitFor(
        "the returning store's schedule unpaused",
        async () => (await schedule('S98'))?.state.paused === false,
        30_000,
      );

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } catch (err) {
      // What the receiver said since the mapping first changed: reloads, re-runs, retries.
      const said = lines
        .filter((l) => Number(l.level) >= 30)
        .slice(-40)
        .map((l) => JSON.stringify(l));
      throw new Error(`${(err as Error).message}\nreceiver log:\n${said.join('\n')}`, { cause: err });
    } finally {
      child.kill('SIGKILL');
      await deleteAllSchedules();
    }
  });
});

describe('codec endpoint in the receiver process', () => {
  let child: ChildProcess | undefined;

  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('serves /codec/decode on CODEC_PORT only, with the token: an encrypted history payload comes back in clear', async () => {
    const token = randomUUID() + randomUUID();
    const ui = 'http://localhost:8233';
    const receiver = startReceiverProcess({ CODEC_PORT: '0', CODEC_ENDPOINT_TOKEN: token, CODEC_CORS_ORIGIN: ui });
    child = receiver.child;
    const { lines } = receiver;
    const stderr = receiver.stderr;
    const listening = await waitFor(
      `the receiver's codec endpoint (stderr: ${stderr().slice(-300)})`,
      () => lines.find((l) => l.msg === 'codec endpoint listening'),
      45_000,
    );
    const codecUrl = String(listening.url);
    const receiverUrls = lines.find((l) => typeof l.webhooks === 'string')!;

    // A sale's start input, as Temporal stores it: encrypted, read raw from the history.
    const order = sell(stack, 102, [['BOOK-1', 1]]);
    const handle = saleHandle(stack, order.orderId);
    await waitFor('the sale workflow to start', () => handle.describe().then(() => true), 60_000);
    const history = await stack.client.workflowService.getWorkflowExecutionHistory({
      namespace: stack.client.options.namespace,
      execution: { workflowId: handle.workflowId },
    });
    const input = history.history!.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
    const proto3Json = input.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(p.data!).toString('base64'),
    }));
    expect(Buffer.from(proto3Json[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    const decode = (base: string, authorization?: string) =>
      request(`${base}/decode`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-namespace': stack.client.options.namespace,
          origin: ui,
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({ payloads: proto3Json }),
      });

    const res = await decode(codecUrl, `Bearer ${token}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ui);
    const { payloads } = (await res.body.json()) as {
      payloads: Array<{ metadata: Record<string, string>; data: string }>;
    };
    expect(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(payloads[0]!.data, 'base64').toString())).toMatchObject({ orderId: order.orderId });

    // The Temporal CLI, as an operator runs it (`--codec-endpoint`, `--codec-auth`), shows it in clear too.
    const cli = await findTemporalCli();
    expect(cli).toBeDefined();
    const shown = await new Promise<string>((resolve, reject) =>
      execFile(
        cli!,
        [
          'workflow',
          'show',
          '--address',
          stack.envVars.TEMPORAL_ADDRESS!,
          '--namespace',
          stack.client.options.namespace,
          '-w',
          handle.workflowId,
          '--codec-endpoint',
          codecUrl,
          '--codec-auth',
          `Bearer ${token}`,
          '-o',
          'json',
        ],
        (err, stdout, stderrText) => (err ? reject(new Error(`${err.message}: ${stderrText}`)) : resolve(stdout)),
      ),
    );
    const started = (
      JSON.parse(shown) as {
        events: Array<{
          workflowExecutionStartedEventAttributes?: {
            input: { payloads: Array<{ metadata: Record<string, string>; data: string }> };
          };
        }>;
      }
    ).events[0]!.workflowExecutionStartedEventAttributes!.input.payloads[0]!;
    expect(Buffer.from(started.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(started.data, 'base64').toString())).toMatchObject({ orderId: order.orderId });

    const anonymous = await decode(codecUrl);
    expect(anonymous.statusCode).toBe(401);
    await anonymous.body.dump();
    // Not on the public ports, token or not.
    for (const url of [String(receiverUrls.url).replace(/\/events$/, ''), String(receiverUrls.webhooks)]) {
      const publicPort = await decode(`${new URL(url).origin}/codec`, `Bearer ${token}`);
      expect(publicPort.statusCode).toBe(404);
      await publicPort.body.dump();
    }
  });
});
