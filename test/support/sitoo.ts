import { afterEach } from 'vitest';
import { basicAuth } from '../../src/connectors/http';
import { SitooClient, type SitooClientConfig } from '../../src/connectors/sitoo/client';
import { startSitooSimulator, type SitooSimulator } from '../../src/simulators/sitoo';

export const SITOO_API = { apiId: '10020-140', apiPassword: 'pw-Very$ecret-42' };
export const STORE = 43;
export const OTHER_STORE = 44;

/** The Sitoo simulator with two stores and a client on it, closed after each test. */
export function sitooFixture(
  stock: { store: Record<string, number>; other: Record<string, number> } = {
    store: { 'SKU-A': 10, 'SKU-B': 5 },
    other: { 'SKU-A': 1 },
  },
) {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  return async function setup(
    opts: { seed?: (sim: SitooSimulator) => void; config?: Partial<SitooClientConfig> } = {},
  ): Promise<{ sim: SitooSimulator; client: SitooClient }> {
    const sim = await startSitooSimulator(SITOO_API);
    cleanups.push(() => sim.close());
    sim.pos.seedWarehouse({ warehouseId: STORE, name: 'Stockholm Drottninggatan', storeId: 7, stock: stock.store });
    sim.pos.seedWarehouse({ warehouseId: OTHER_STORE, name: 'Göteborg Avenyn', storeId: 8, stock: stock.other });
    opts.seed?.(sim);
    const client = new SitooClient({
      baseUrl: sim.url,
      accountId: sim.accountId,
      eshopId: sim.eshopId,
      ...SITOO_API,
      timeoutMs: 2_000,
      ...opts.config,
    });
    return { sim, client };
  };
}

/** A raw REST call, for the endpoints the connector does not wrap (POST transactions, PUT items). */
export async function sitooRest(
  sim: SitooSimulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${sim.url}/v2/accounts/${sim.accountId}/sites/${sim.eshopId}${path}`, {
    method,
    headers: { authorization: basicAuth(SITOO_API.apiId, SITOO_API.apiPassword), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
