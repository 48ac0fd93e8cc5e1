import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { payloadCodec } from '../../src/bootstrap/data-converter';
import { loadEnv } from '../../src/config/env';
import { METADATA_KEY_ID } from '../../src/bootstrap/payload-codec';

const key = () => randomBytes(32).toString('base64');
const codecFor = (keys: string, current?: string) =>
  payloadCodec(
    loadEnv('inventory-worker', {
      ...REQUIRED,
      TEMPORAL_PAYLOAD_KEYS: keys,
      ...(current ? { TEMPORAL_PAYLOAD_KEY_ID: current } : {}),
    }),
  )!;
const REQUIRED = {
  SITOO_ACCOUNT_ID: '1',
  SITOO_BASE_URL: 'http://127.0.0.1:1',
  SITOO_API_ID: 'a',
  SITOO_API_PASSWORD: 'p',
  BC_API_BASE_URL: 'http://127.0.0.1:1',
  BC_TOKEN_URL: 'http://127.0.0.1:1',
  BC_COMPANY_ID: 'c',
  BC_CLIENT_ID: 'c',
  BC_CLIENT_SECRET: 's',
  SHOPIFY_SHOP_URL: 'http://127.0.0.1:1',
  SHOPIFY_ACCESS_TOKEN: 't',
};
const order = { email: 'jane@example.com', name: 'Jane Doe', lines: [{ sku: 'TEE-1', quantity: 2 }] };

describe('payload codec', () => {
  it('round-trips a payload and leaves nothing of it in clear', async () => {
    const codec = codecFor(`k1:${key()}`);
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(order)]);
    expect(Buffer.from(sealed!.data!).includes('jane@example.com')).toBe(false);
    expect(Buffer.from(sealed!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(sealed!.metadata![METADATA_KEY_ID]!).toString()).toBe('k1');
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual(order);
  });

  it('decodes what an old key encrypted after the current key changes, and encrypts with the new one', async () => {
    const oldKey = key();
    const newKey = key();
    const [sealed] = await codecFor(`old:${oldKey}`).encode([defaultPayloadConverter.toPayload(order)]);
    const rotated = codecFor(`old:${oldKey},new:${newKey}`, 'new');
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([sealed!]))[0]!)).toEqual(order);
    const [resealed] = await rotated.encode([defaultPayloadConverter.toPayload(order)]);
    expect(Buffer.from(resealed!.metadata![METADATA_KEY_ID]!).toString()).toBe('new');
    // Once the old key is gone, its payloads are refused by name, not misread.
    await expect(codecFor(`new:${newKey}`).decode([sealed!])).rejects.toThrow(/key id "old"/);
  });

  it('refuses tampered ciphertext and a relabelled key id', async () => {
    const a = key();
    const codec = codecFor(`a:${a},b:${a}`, 'a');
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(order)]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await expect(codec.decode([{ ...sealed!, data: flipped }])).rejects.toThrow(/failed authentication/);
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, [METADATA_KEY_ID]: Buffer.from('b') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/failed authentication/);
  });

  it('passes through payloads stored before encryption was switched on', async () => {
    const plain = defaultPayloadConverter.toPayload(order);
    expect(await codecFor(`k1:${key()}`).decode([plain])).toEqual([plain]);
  });

  it('refuses a key of the wrong length or an unknown current key id, naming the variable and never the key', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => loadEnv('events-receiver', { ...REQUIRED, TEMPORAL_PAYLOAD_KEYS: `k1:${short}` })).toThrow(
      /TEMPORAL_PAYLOAD_KEYS: key "k1" must be 32 bytes/,
    );
    try {
      loadEnv('main-worker', { ...REQUIRED, TEMPORAL_PAYLOAD_KEYS: `k1:${short}` });
    } catch (err) {
      expect((err as Error).message).not.toContain(short);
    }
    expect(() => codecFor(`k1:${key()}`, 'k2')).toThrow(/TEMPORAL_PAYLOAD_KEY_ID: names no key/);
  });
});
