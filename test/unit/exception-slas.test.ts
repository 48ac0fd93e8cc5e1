import { describe, expect, it } from 'vitest';
import { DEFAULT_SLA, EXCEPTION_TYPES, exceptionSlas } from '../../src/domain/exceptions';
import { loadEnv } from '../../src/config/env';

describe('exception SLAs', () => {
  it('has a default for every type, and EXCEPTION_SLAS overrides only the types it names', () => {
    expect(Object.keys(DEFAULT_SLA).sort()).toEqual([...EXCEPTION_TYPES].sort());
    const slas = exceptionSlas(' unknown-sku=30m , reconciliation-gap=2d');
    expect(slas['unknown-sku']).toBe('30m');
    expect(slas['reconciliation-gap']).toBe('2d');
    expect(slas['payment-not-confirmed']).toBe(DEFAULT_SLA['payment-not-confirmed']);
    expect(exceptionSlas(undefined)).toEqual(DEFAULT_SLA);
  });

  it('refuses an unknown type or a value that is not a duration, naming the entry', () => {
    expect(() => exceptionSlas('unknown-skus=1h')).toThrow(
      /"unknown-skus=1h": "unknown-skus" is not an exception type/,
    );
    expect(() => exceptionSlas('unknown-sku=soon')).toThrow(/"unknown-sku=soon": the SLA must be a duration/);
  });
});

describe('TEAM_WEBHOOK_URLS', () => {
  const base = {
    SITOO_ACCOUNT_ID: '10020',
    SITOO_API_ID: 'id',
    SITOO_API_PASSWORD: 'pw',
    SITOO_BASE_URL: 'http://127.0.0.1:1',
    BC_API_BASE_URL: 'http://127.0.0.1:2',
    BC_TOKEN_URL: 'http://127.0.0.1:3',
    BC_COMPANY_ID: 'c',
    BC_CLIENT_ID: 'c',
    BC_CLIENT_SECRET: 's',
    SHOPIFY_SHOP_URL: 'http://127.0.0.1:4',
    SHOPIFY_ACCESS_TOKEN: 't',
    STRIPE_API_URL: 'http://127.0.0.1:5',
    STRIPE_SECRET_KEY: 'k',
  };
  it('reads team=url pairs, and names a bad entry by its team without echoing the URL (a credential)', () => {
    const secret = 'https://hooks.example.com/services/T0/B0/very-secret-token';
    const env = loadEnv('main-worker', { ...base, TEAM_WEBHOOK_URLS: `finance=${secret}` });
    expect(env.TEAM_WEBHOOK_URLS).toEqual({ finance: secret });
    let message = '';
    try {
      loadEnv('main-worker', { ...base, TEAM_WEBHOOK_URLS: `finance=ftp://x/very-secret-token,nobody=${secret}` });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/TEAM_WEBHOOK_URLS/);
    expect(message).toMatch(/the URL for finance is not an http\(s\) URL/);
    expect(message).toMatch(/entry 2 must be team=url/);
    expect(message).not.toContain('very-secret-token');
  });
});
