import { request } from 'undici';
import { afterEach } from 'vitest';
import {
  BusinessCentralClient,
  type BusinessCentralClientOptions,
} from '../../src/connectors/erp/business-central/client';
import {
  startBusinessCentralSimulator,
  type BusinessCentralSimulator,
  type BusinessCentralSimulatorOptions,
} from '../../src/simulators/business-central';

/** The Business Central simulator seeded the way the connector tests expect, closed after each test. */
export function businessCentralFixture() {
  const running: BusinessCentralSimulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.close()));
  });

  async function startSim(opts: BusinessCentralSimulatorOptions = {}): Promise<BusinessCentralSimulator> {
    const sim = await startBusinessCentralSimulator(opts);
    running.push(sim);
    sim.state.seedLocation({ code: 'STORE01', displayName: 'Store 01' });
    sim.state.seedLocation({ code: 'STORE02', displayName: 'Store 02' });
    sim.state.seedItem({ number: '1000', displayName: 'Mug', unitPrice: 9.95, itemCategoryCode: 'kitchen' });
    sim.state.seedItem({ number: '1001', displayName: 'Plate', unitPrice: 19.5 });
    sim.state.seedCustomer({ number: 'POS-STORE01', displayName: 'Walk-in customer' });
    return sim;
  }

  function clientFor(
    sim: BusinessCentralSimulator,
    overrides: Partial<BusinessCentralClientOptions> = {},
  ): BusinessCentralClient {
    const { apiBaseUrl, tokenUrl, companyId, clientId, clientSecret } = sim;
    return new BusinessCentralClient({
      apiBaseUrl,
      tokenUrl,
      companyId,
      clientId,
      clientSecret,
      timeoutMs: 5_000,
      ...overrides,
    });
  }

  return { startSim, clientFor };
}

/** A token straight from the simulator's token endpoint, for tests that send raw requests. */
export async function rawToken(sim: BusinessCentralSimulator): Promise<string> {
  const res = await request(sim.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      scope: sim.scope,
    }).toString(),
  });
  return ((await res.body.json()) as { access_token: string }).access_token;
}
