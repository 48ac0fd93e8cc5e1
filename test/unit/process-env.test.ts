import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config/env';

// What each process talks to; the secrets are values no message may repeat.
const temporal = { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_NAMESPACE: 'retail' };
const sitoo = {
  SITOO_BASE_URL: 'https://api.example.test',
  SITOO_ACCOUNT_ID: '90001',
  SITOO_API_ID: 'api-id',
  SITOO_API_PASSWORD: 'sitoo-secret-value',
};
const erp = {
  BC_API_BASE_URL: 'https://bc.example.test/api/v2.0',
  BC_TOKEN_URL: 'https://login.example.test/token',
  BC_COMPANY_ID: 'c1',
  BC_CLIENT_ID: 'client',
  BC_CLIENT_SECRET: 'bc-secret-value',
};
const shop = { SHOPIFY_SHOP_URL: 'https://shop.myshopify.com', SHOPIFY_ACCESS_TOKEN: 'shopify-token-value' };
const receiver = {
  EVENTS_USERNAME: 'sitoo-events',
  EVENTS_PASSWORD: 'events-password-value',
  SHOPIFY_WEBHOOK_SECRETS: 'webhook-secret-value',
};
const SECRETS = [
  'sitoo-secret-value',
  'bc-secret-value',
  'shopify-token-value',
  'events-password-value',
  'webhook-secret-value',
  'stripe-secret-value',
  'short-pw',
];

const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
};

describe('each process validates the variables it uses', () => {
  it('the inventory worker starts without the card processor key or the receiver credentials', () => {
    // Before: one schema for all three processes, so STRIPE_SECRET_KEY and EVENTS_PASSWORD were demanded here.
    const env = loadEnv('inventory-worker', { ...temporal, ...sitoo, ...erp, ...shop });
    expect(env).toMatchObject({ SITOO_ACCOUNT_ID: 90001, BC_REQUEST_TIMEOUT: '10s', WORKER_SHUTDOWN_GRACE: '20s' });
    expect(env).not.toHaveProperty('STRIPE_SECRET_KEY');
  });

  it('the receiver needs neither the ERP nor the card processor credentials', () => {
    expect(
      loadEnv('events-receiver', { ...temporal, ...sitoo, ...receiver, SHOPIFY_SHOP_URL: shop.SHOPIFY_SHOP_URL }),
    ).toMatchObject({ EVENTS_PORT: 8080, CLICK_AND_COLLECT_EXPIRY: '7d', RECEIVER_SHUTDOWN_GRACE: '20s' });
    const bad = refusal(() =>
      loadEnv('events-receiver', {
        ...temporal,
        ...sitoo,
        ...receiver,
        SHOPIFY_SHOP_URL: shop.SHOPIFY_SHOP_URL,
        RECEIVER_SHUTDOWN_GRACE: 'a while',
      }),
    );
    expect(bad).toContain('RECEIVER_SHUTDOWN_GRACE: must be a duration');
  });

  it('each ops subcommand asks only for what it uses: health the page, resolve the payload keys', () => {
    // resolve reaches Temporal (TEMPORAL_* through the SDK) and encrypts its input; no page password.
    expect(loadEnv('ops-resolve', { ...temporal })).toEqual({});
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadEnv('ops-resolve', { TEMPORAL_PAYLOAD_KEYS: `k1:${key}` }).TEMPORAL_PAYLOAD_KEYS?.has('k1')).toBe(true);
    expect(
      refusal(() => loadEnv('ops-resolve', { TEMPORAL_PAYLOAD_KEYS: `k1:${key}`, TEMPORAL_PAYLOAD_KEY_ID: 'k2' })),
    ).toContain('TEMPORAL_PAYLOAD_KEY_ID: names no key in TEMPORAL_PAYLOAD_KEYS');
    // health reads the page over HTTP: its password, nothing of Temporal's.
    expect(refusal(() => loadEnv('ops-cli', { ...temporal }))).toBe(
      'Invalid configuration for the ops cli:\n  OPS_PASSWORD: is not set',
    );
  });

  it('serves the codec endpoint only with a long token and payload keys, for a bare origin', () => {
    const base = { ...temporal, ...sitoo, ...receiver, SHOPIFY_SHOP_URL: shop.SHOPIFY_SHOP_URL };
    const off = loadEnv('events-receiver', base);
    expect(off).toMatchObject({ CODEC_PORT: 8082 });
    expect(off.CODEC_ENDPOINT_TOKEN).toBeUndefined();
    const keys = { TEMPORAL_PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` };
    const token = 'codec-token-value-0123456789abcdef';
    expect(
      loadEnv('events-receiver', {
        ...base,
        ...keys,
        CODEC_ENDPOINT_TOKEN: token,
        CODEC_CORS_ORIGIN: 'http://localhost:8233',
      }),
    ).toMatchObject({ CODEC_ENDPOINT_TOKEN: token, CODEC_CORS_ORIGIN: 'http://localhost:8233' });
    const noKeys = refusal(() => loadEnv('events-receiver', { ...base, CODEC_ENDPOINT_TOKEN: token }));
    expect(noKeys).toMatch(/CODEC_ENDPOINT_TOKEN: needs TEMPORAL_PAYLOAD_KEYS/);
    expect(noKeys).not.toContain(token);
    const bad = refusal(() =>
      loadEnv('events-receiver', {
        ...base,
        ...keys,
        CODEC_ENDPOINT_TOKEN: 'short-pw',
        CODEC_CORS_ORIGIN: 'https://ui.example.com/namespaces',
      }),
    );
    expect(bad).toMatch(/CODEC_ENDPOINT_TOKEN: must be at least 32 characters/);
    expect(bad).toMatch(/CODEC_CORS_ORIGIN: must be an origin/);
    expect(bad).not.toContain('short-pw');
  });

  it('names every missing variable of its process, and only those', () => {
    const message = refusal(() => loadEnv('events-receiver', { ...temporal, ...sitoo }));
    expect(message).toMatch(/^Invalid configuration for the events receiver:\n/);
    for (const name of ['EVENTS_USERNAME', 'EVENTS_PASSWORD', 'SHOPIFY_WEBHOOK_SECRETS', 'SHOPIFY_SHOP_URL'])
      expect(message).toContain(`  ${name}: is not set`);
    for (const name of ['BC_CLIENT_SECRET', 'STRIPE_SECRET_KEY', 'SHOPIFY_ACCESS_TOKEN', 'SITOO_API_PASSWORD'])
      expect(message).not.toContain(name);
    const main = refusal(() => loadEnv('main-worker', { ...temporal, ...sitoo, ...erp, ...shop }));
    expect(main).toMatch(/^Invalid configuration for the main worker:\n {2}STRIPE_SECRET_KEY: is not set$/);
  });

  it('names a bad value without repeating it, and refuses a bad duration at start', () => {
    const message = refusal(() =>
      loadEnv('main-worker', {
        ...temporal,
        ...sitoo,
        ...erp,
        ...shop,
        STRIPE_SECRET_KEY: 'stripe-secret-value',
        SITOO_ACCOUNT_ID: 'short-pw',
        BC_TOKEN_URL: 'bc-secret-value',
        PAYMENT_CONFIRMATION_TIMEOUT: 'later',
      }),
    );
    expect(message).toMatch(/SITOO_ACCOUNT_ID: /);
    expect(message).toMatch(/BC_TOKEN_URL: /);
    expect(message).toMatch(/PAYMENT_CONFIRMATION_TIMEOUT: must be a duration like 30s/);
    for (const secret of SECRETS) expect(message).not.toContain(secret);
    const short = refusal(() =>
      loadEnv('events-receiver', {
        ...temporal,
        ...sitoo,
        ...receiver,
        SHOPIFY_SHOP_URL: shop.SHOPIFY_SHOP_URL,
        EVENTS_PASSWORD: 'short-pw',
      }),
    );
    expect(short).toMatch(/EVENTS_PASSWORD: must be at least 12 characters/);
    expect(short).not.toContain('short-pw');
  });

  it('metrics and traces: every process has a metrics port and may name a trace collector; the receiver a visibility interval', () => {
    const receiverEnv = { ...temporal, ...sitoo, ...receiver, SHOPIFY_SHOP_URL: shop.SHOPIFY_SHOP_URL };
    for (const env of [
      loadEnv('inventory-worker', { ...temporal, ...sitoo, ...erp, ...shop }),
      loadEnv('main-worker', { ...temporal, ...sitoo, ...erp, ...shop, STRIPE_SECRET_KEY: 'stripe-secret-value' }),
      loadEnv('events-receiver', receiverEnv),
    ]) {
      expect(env.METRICS_PORT).toBe(9464);
      expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    }
    expect(loadEnv('events-receiver', receiverEnv).VISIBILITY_METRICS_INTERVAL).toBe('1m');
    expect(
      loadEnv('events-receiver', {
        ...receiverEnv,
        METRICS_PORT: '0',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.monitoring:4318',
        OTEL_SERVICE_NAME: 'receiver-eu',
      }),
    ).toMatchObject({
      METRICS_PORT: 0,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.monitoring:4318',
      OTEL_SERVICE_NAME: 'receiver-eu',
    });
    const bad = refusal(() =>
      loadEnv('events-receiver', {
        ...receiverEnv,
        METRICS_PORT: '70000',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4318',
        VISIBILITY_METRICS_INTERVAL: 'often',
      }),
    );
    expect(bad).toMatch(/METRICS_PORT: /);
    expect(bad).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT: /);
    expect(bad).toMatch(/VISIBILITY_METRICS_INTERVAL: must be a duration/);
  });

  it('the inventory worker process exits at start with one message naming what is missing, no stack and no secret', async () => {
    const entry = fileURLToPath(new URL('../../src/workers/inventory.ts', import.meta.url));
    const { SITOO_API_PASSWORD: _missing, ...sitooWithoutPassword } = sitoo;
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      env: {
        PATH: process.env.PATH,
        ...temporal,
        ...sitooWithoutPassword,
        ...erp,
        ...shop,
        BC_REQUEST_TIMEOUT: 'soon',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      'Invalid configuration for the inventory worker:\n  SITOO_API_PASSWORD: is not set\n  BC_REQUEST_TIMEOUT: must be a duration like 30s, 15m, 2h or 1d',
    );
  });
});
