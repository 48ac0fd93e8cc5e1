import { generateKeyPairSync } from 'node:crypto';
import { request } from 'undici';
import { afterEach } from 'vitest';
import { tbaHeader } from '../../src/connectors/erp/netsuite/auth';
import { NetSuiteClient, type NetSuiteClientOptions } from '../../src/connectors/erp/netsuite/client';
import {
  startNetSuiteSimulator,
  type NetSuiteSimulator,
  type NetSuiteSimulatorOptions,
} from '../../src/simulators/netsuite';

export const TBA = { consumerKey: 'ck-sim', consumerSecret: 'cs-sim', tokenId: 'tk-sim', tokenSecret: 'ts-sim' };
export const CLIENT_ID = 'sim-integration-client';
export const CERTIFICATE_ID = 'cert-7f3a';

/** The certificate's key pair: NetSuite holds the public half, the integration signs with the private half. */
export const certificateKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
export const privateKeyPem = certificateKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** The NetSuite simulator seeded as the connector tests expect (two stores, two items, the walk-in customer), closed after each test. */
export function netSuiteFixture() {
  const running: NetSuiteSimulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.close()));
  });

  async function startSim(opts: NetSuiteSimulatorOptions = {}) {
    const sim = await startNetSuiteSimulator({
      m2m: { clientId: CLIENT_ID, certificateId: CERTIFICATE_ID, publicKey: certificateKeys.publicKey },
      tba: TBA,
      ...opts,
    });
    running.push(sim);
    const store1 = sim.state.seedLocation({ name: 'Store 01', externalId: 'STORE01' });
    const store2 = sim.state.seedLocation({ name: 'Store 02', externalId: 'STORE02' });
    sim.state.seedItem({ itemId: '1000', displayName: 'Mug', stock: { [store1.id]: 20 } });
    sim.state.seedItem({ itemId: '1001', displayName: 'Plate', stock: { [store1.id]: 5, [store2.id]: 7 } });
    const customer = sim.state.seedCustomer({ entityId: 'POS-STORE01', companyName: 'Walk-in customer' });
    return { sim, store1, store2, customer };
  }

  function clientFor(
    sim: NetSuiteSimulator,
    locations: Record<string, string>,
    overrides: Partial<NetSuiteClientOptions> = {},
  ): NetSuiteClient {
    return new NetSuiteClient({
      baseUrl: sim.url,
      accountId: sim.accountId,
      auth: { kind: 'oauth2-m2m', clientId: CLIENT_ID, certificateId: CERTIFICATE_ID, privateKeyPem },
      mapping: { locations },
      timeoutMs: 5_000,
      backoffMs: () => 20,
      ...overrides,
    });
  }

  return { startSim, clientFor };
}

/** A TBA-signed request straight to the simulator, for what the adapter would never send. */
export async function rawNetSuite(
  sim: NetSuiteSimulator,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  pathAndQuery: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const url = new URL(`${sim.url}${pathAndQuery}`);
  const res = await request(url, {
    method,
    headers: {
      authorization: tbaHeader(TBA, sim.accountId, method, url, Date.now),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}
