import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payloadCodec } from '../../src/bootstrap/data-converter';
import { METADATA_KEY_ID } from '../../src/bootstrap/payload-codec';
import { loadEnv } from '../../src/config/env';
import { createCodecEndpoint } from '../../src/starters/codec-endpoint';

const REQUIRED = {
  SITOO_ACCOUNT_ID: '1',
  SHOPIFY_SHOP_URL: 'http://127.0.0.1:1',
  EVENTS_USERNAME: 'sitoo-events',
  EVENTS_PASSWORD: 'events-password-value',
  SHOPIFY_WEBHOOK_SECRETS: 'webhook-secret-value',
};
const TOKEN = randomBytes(32).toString('hex');
const UI = 'http://localhost:8233';
const env = loadEnv('events-receiver', {
  ...REQUIRED,
  TEMPORAL_PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  CODEC_ENDPOINT_TOKEN: TOKEN,
  CODEC_CORS_ORIGIN: UI,
});
const codec = payloadCodec(env)!;
const order = { email: 'jane@example.com', name: 'Jane Doe', lines: [{ sku: 'TEE-1', quantity: 2 }] };

/** Proto3 JSON of a Payload, as the Temporal UI and CLI send it: every bytes field in base64. */
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
  ),
  data: Buffer.from(p.data!).toString('base64'),
});
const fromJson = (p: { metadata: Record<string, string>; data: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data, 'base64'),
});

describe('codec endpoint (Temporal codec server protocol)', () => {
  const endpoint = createCodecEndpoint({
    codec,
    token: env.CODEC_ENDPOINT_TOKEN!,
    corsOrigin: env.CODEC_CORS_ORIGIN,
    logger: pino({ level: 'silent' }),
  });
  let base = '';
  beforeAll(async () => {
    base = `${await endpoint.listen(0)}/codec`;
  });
  afterAll(() => endpoint.close(0));

  const post = (op: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
    fetch(`${base}/${op}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('decodes what the project codec encrypted back to the original payloads', async () => {
    const original = [defaultPayloadConverter.toPayload(order), defaultPayloadConverter.toPayload('second')];
    const sealed = await codec.encode(original);
    const res = await post(
      'decode',
      { payloads: sealed.map(toJson) },
      { authorization: `Bearer ${TOKEN}`, origin: UI },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    const { payloads } = (await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(payloads).toEqual(original.map(toJson));
    expect(defaultPayloadConverter.fromPayload(fromJson(payloads[0]!))).toEqual(order);
    expect(defaultPayloadConverter.fromPayload(fromJson(payloads[1]!))).toBe('second');
  });

  it('refuses a request without the token, or with a wrong one, with 401 and decrypts nothing', async () => {
    const sealed = (await codec.encode([defaultPayloadConverter.toPayload(order)])).map(toJson);
    for (const headers of [
      {} as Record<string, string>,
      { authorization: `Bearer ${TOKEN.slice(0, -1)}x` },
      { authorization: `Bearer ${TOKEN}${TOKEN}` },
      { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` },
    ]) {
      const res = await post('decode', { payloads: sealed }, headers);
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain(Buffer.from('jane@example.com').toString('base64').slice(0, 12));
    }
  });

  it('answers the preflight of the UI origin with the CORS headers, and nothing for another origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${base}/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization,x-namespace',
        },
      });
    const ok = await preflight(UI);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI);
    expect(ok.headers.get('access-control-allow-methods')).toBe('POST');
    expect(ok.headers.get('access-control-allow-headers')?.split(',')).toEqual(
      expect.arrayContaining(['content-type', 'authorization', 'x-namespace']),
    );
    const other = await preflight('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('access-control-allow-headers')).toBeNull();
    const sealed = (await codec.encode([defaultPayloadConverter.toPayload(order)])).map(toJson);
    const post2 = await post(
      'decode',
      { payloads: sealed },
      { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example.com' },
    );
    expect(post2.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a malformed body with 400 naming the field', async () => {
    const missing = await post('decode', { payload: [] });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ field: 'payloads' });
    const notBase64 = await post('decode', { payloads: [{ metadata: { encoding: 'json/plain' }, data: 'AA==' }] });
    expect(notBase64.status).toBe(400);
    expect(await notBase64.json()).toMatchObject({ field: 'payloads.0.metadata.encoding' });
    const badData = await post('encode', { payloads: [{ metadata: {}, data: 42 }] });
    expect(badData.status).toBe(400);
    expect(await badData.json()).toMatchObject({ field: 'payloads.0.data' });
    const notJson = await post('decode', '{"payloads": [');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ field: 'body' });
  });

  it('round-trips payloads through /encode and /decode, encrypted in between', async () => {
    const original = [defaultPayloadConverter.toPayload(order)].map(toJson);
    const encoded = await post('encode', { payloads: original });
    expect(encoded.status).toBe(200);
    const sealed = ((await encoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] })
      .payloads;
    expect(Buffer.from(sealed[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(sealed[0]!.metadata[METADATA_KEY_ID]!, 'base64').toString()).toBe('k1');
    expect(Buffer.from(sealed[0]!.data, 'base64').includes('jane@example.com')).toBe(false);
    // The workers' own codec reads what the endpoint encoded (a workflow started from the UI).
    expect(defaultPayloadConverter.fromPayload((await codec.decode([fromJson(sealed[0]!)]))[0]!)).toEqual(order);
    const decoded = await post('decode', { payloads: sealed });
    expect(decoded.status).toBe(200);
    expect(((await decoded.json()) as { payloads: unknown[] }).payloads).toEqual(original);
  });

  it('refuses a payload encrypted with a key it does not hold, naming the key id', async () => {
    const other = payloadCodec(
      loadEnv('events-receiver', { ...REQUIRED, TEMPORAL_PAYLOAD_KEYS: `gone:${randomBytes(32).toString('base64')}` }),
    )!;
    const sealed = await other.encode([defaultPayloadConverter.toPayload(order)]);
    const res = await post('decode', { payloads: sealed.map(toJson) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/key id "gone"/);
  });
});
