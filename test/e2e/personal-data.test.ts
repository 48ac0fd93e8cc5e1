import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopifyWebhookExceptionWorkflowId } from '../../src/domain/ids';
import type { LocalStack } from '../../src/local/stack';
import { signWebhook } from '../../src/simulators/shopify';
import { recordedExceptionStatusQuery } from '../../src/workflows/recorded-exception-contract';
import { resolveUpdate } from '../../src/workflows/sale-contract';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';
import { saleHandle, saleResult, sell, startTestStack } from './stack-fixture';

// Personal data in Temporal: what the server stores (and anyone with history access reads) is
// ciphertext; our own clients and workers still read it as before.
let t: TestTemporal;
let stack: LocalStack;

beforeAll(async () => {
  t = await connectTemporal('e2e-personal-data');
  stack = await startTestStack(t, 'personal-data');
});

afterAll(async () => {
  await stack?.close();
  await t?.close();
});

/** The history exactly as the server stores and serves it, serialized, and its payloads' encodings. */
async function rawHistory(workflowId: string) {
  const res = await stack.client.workflowService.getWorkflowExecutionHistory({
    namespace: stack.client.options.namespace,
    execution: { workflowId },
  });
  const bytes = Buffer.from(temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse.encode(res).finish());
  const encodings: string[] = [];
  const traceContexts: Array<Record<string, unknown>> = [];
  const walk = (v: unknown): void => {
    if (!v || typeof v !== 'object' || v instanceof Uint8Array) return;
    const o = v as Record<string, unknown>;
    const meta = o.metadata as Record<string, Uint8Array> | undefined;
    if (meta?.encoding instanceof Uint8Array && 'data' in o) encodings.push(Buffer.from(meta.encoding).toString());
    // Readable by design: search attributes (the server indexes them), the SDK's patch markers
    // (patch names) and the trace context the tracing interceptors put in headers (kept apart and
    // checked to be a traceparent only); ids, types and stores, no personal data.
    for (const [k, child] of Object.entries(o)) {
      if (k === '_tracer-data')
        traceContexts.push(JSON.parse(Buffer.from((child as { data: Uint8Array }).data).toString()));
      else if (k !== 'searchAttributes' && k !== 'patch-data') walk(child);
    }
  };
  walk(res.history);
  return { bytes, encodings, traceContexts };
}

describe('personal data in Temporal histories', () => {
  it('stores a parked webhook with a customer e-mail, name and address only encrypted, and still reads it', async () => {
    const webhookId = randomUUID();
    const email = `jane.doe.${webhookId.slice(0, 8)}@example.com`;
    const body = JSON.stringify({
      // An id no workflow id can hold: the receiver acknowledges it and parks a copy of the whole body.
      id: '9'.repeat(5_000),
      name: '#1001',
      email,
      customer: { first_name: 'Jane', last_name: 'Doelittle', email },
      shipping_address: { address1: 'Drottninggatan 71', city: 'Stockholm', zip: '111 36' },
      line_items: [],
    });
    const res = await request(`${stack.webhooksUrl}/webhooks/shopify`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-shopify-hmac-sha256': signWebhook(body, stack.env.SHOPIFY_WEBHOOK_SECRETS[0]!),
        'x-shopify-topic': 'orders/create',
        'x-shopify-webhook-id': webhookId,
        'x-shopify-shop-domain': new URL(stack.env.SHOPIFY_SHOP_URL).hostname,
      },
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    const workflowId = shopifyWebhookExceptionWorkflowId(webhookId);
    const handle = stack.client.workflow.getHandle(workflowId);
    const exception = await waitFor(
      'the webhook parked',
      async () => (await handle.query(recordedExceptionStatusQuery)).exception,
    );
    // Our client decodes it: the operator's status query shows the parked copy, e-mail included.
    expect(JSON.stringify(exception.details)).toContain(email);
    await handle.executeUpdate(resolveUpdate, { args: [{ action: 'skip' }] });
    await handle.result();

    const { bytes, encodings } = await rawHistory(workflowId);
    for (const clear of [email, 'Doelittle', 'Drottninggatan']) expect(bytes.includes(clear)).toBe(false);
    expect(encodings.length).toBeGreaterThan(0);
    expect(new Set(encodings)).toEqual(new Set(['binary/encrypted']));
  });

  it('encrypts every payload of a sale, whose result still decodes', async () => {
    const order = sell(stack, 101, [['TEE-1', 1]]);
    const result = await saleResult(stack, order.orderId);
    expect(result).toMatchObject({ outcome: 'completed', orderId: order.orderId, storeId: 'S01' });
    const { bytes, encodings, traceContexts } = await rawHistory(saleHandle(stack, order.orderId).workflowId);
    expect(encodings.length).toBeGreaterThan(2);
    expect(new Set(encodings)).toEqual(new Set(['binary/encrypted']));
    expect(bytes.includes('TEE-1')).toBe(false);
    // Every activity the sale scheduled carries its trace, even with no trace export in this process.
    expect(traceContexts.length).toBeGreaterThan(2);
    for (const context of traceContexts)
      expect(context).toEqual({ traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/) });
  });
});
