import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTemporalConfig } from '../../src/bootstrap/temporal-connection';

// A throwaway certificate pair and CA: envconfig reads the files, it does not parse them.
let dir: string;
const CERT = '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nclient-key\n-----END PRIVATE KEY-----\n';
const CA = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'temporal-connection-'));
  await Promise.all([
    writeFile(join(dir, 'client.pem'), CERT),
    writeFile(join(dir, 'client.key'), KEY),
    writeFile(join(dir, 'ca.pem'), CA),
    writeFile(
      join(dir, 'temporal.toml'),
      [
        '[profile.default]',
        'address = "127.0.0.1:7233"',
        '[profile.cloud]',
        'address = "retail.a1b2c.tmprl.cloud:7233"',
        'namespace = "retail.a1b2c"',
        'api_key = "key-from-file"',
      ].join('\n'),
    ),
  ]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// No HOME: the developer's own ~/.config/temporalio/temporal.toml never leaks into these answers.
describe('the Temporal connection of every process, from the SDK configuration', () => {
  it('plain: the dev server defaults, no TLS, no key', () => {
    const config = loadTemporalConfig({});
    expect(config).toEqual({ connection: { address: '127.0.0.1:7233' }, namespace: 'retail' });
  });

  it('TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE still choose the server and namespace', () => {
    const config = loadTemporalConfig({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'shop' });
    expect(config).toEqual({ connection: { address: 'temporal:7233' }, namespace: 'shop' });
  });

  it('an API key (Temporal Cloud) turns TLS on and is sent as the key', () => {
    const config = loadTemporalConfig({
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'retail.a1b2c',
      TEMPORAL_API_KEY: 'cloud-api-key',
    });
    expect(config.connection).toEqual({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      apiKey: 'cloud-api-key',
      tls: true,
    });
    expect(config.namespace).toBe('retail.a1b2c');
  });

  it('a client certificate and key (mTLS, self-hosted or Cloud) and a private CA', () => {
    const config = loadTemporalConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'client.key'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(config.connection.apiKey).toBeUndefined();
    const tls = config.connection.tls;
    if (typeof tls !== 'object' || tls === null) throw new Error(`TLS is not configured: ${String(tls)}`);
    expect(tls.clientCertPair?.crt.toString()).toBe(CERT);
    expect(tls.clientCertPair?.key.toString()).toBe(KEY);
    expect(tls.serverRootCACertificate?.toString()).toBe(CA);
    expect(tls.serverNameOverride).toBe('temporal.internal');
  });

  it('a profile of a TOML file, which the variables still override', () => {
    const file = join(dir, 'temporal.toml');
    expect(loadTemporalConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' })).toEqual({
      connection: { address: 'retail.a1b2c.tmprl.cloud:7233', apiKey: 'key-from-file', tls: true },
      namespace: 'retail.a1b2c',
    });
    expect(
      loadTemporalConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud', TEMPORAL_NAMESPACE: 'other' })
        .namespace,
    ).toBe('other');
  });

  it('an empty variable (an optional secret left blank) counts as unset, not as an empty key', () => {
    expect(loadTemporalConfig({ TEMPORAL_API_KEY: '', TEMPORAL_ADDRESS: '' })).toEqual({
      connection: { address: '127.0.0.1:7233' },
      namespace: 'retail',
    });
  });

  it('refuses a missing file, profile or certificate by name, never printing the key', () => {
    const refusal = (env: Record<string, string>) => {
      try {
        loadTemporalConfig(env);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refusal({ TEMPORAL_CONFIG_FILE: join(dir, 'missing.toml') })).toMatch(/TEMPORAL_CONFIG_FILE: no file at /);
    const profile = refusal({
      TEMPORAL_CONFIG_FILE: join(dir, 'temporal.toml'),
      TEMPORAL_PROFILE: 'staging',
      TEMPORAL_API_KEY: 'secret-key-value',
    });
    expect(profile).toMatch(/Profile 'staging' not found/);
    expect(profile).not.toContain('secret-key-value');
    expect(refusal({ TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'nope.pem') })).toMatch(/nope\.pem/);
  });
});
