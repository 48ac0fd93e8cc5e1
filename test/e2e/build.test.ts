import { spawn, type ChildProcess } from 'node:child_process';
import { freePorts } from '../../src/local/processes';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildDist } from '../../src/local/build';
import { PROJECT_ROOT } from '../../src/local/temporal-cli';
import { waitFor } from '../support/temporal';

// Inside the project, so the compiled modules find node_modules the way /app/dist does in the image.
let outDir: string;
const children: ChildProcess[] = [];

const variables = {
  SITOO_BASE_URL: 'https://api.example.test',
  SITOO_ACCOUNT_ID: '90001',
  SITOO_API_ID: 'api-id',
  SITOO_API_PASSWORD: 'sitoo-secret-value',
  BC_API_BASE_URL: 'https://bc.example.test/api/v2.0',
  BC_TOKEN_URL: 'https://login.example.test/token',
  BC_COMPANY_ID: '6f1c3a2e-0b5d-4e8a-9c7f-2d4b8e1a5c30',
  BC_CLIENT_ID: 'client',
  BC_CLIENT_SECRET: 'bc-secret-value',
  SHOPIFY_SHOP_URL: 'https://shop.myshopify.com',
  SHOPIFY_ACCESS_TOKEN: 'shopify-token-value',
  MAPPING_FILE: join(PROJECT_ROOT, 'config', 'mapping.example.yaml'),
  // Its default (9464) may be taken on this machine; the compose test below gives each process its own.
  METRICS_PORT: '0',
};

/** `node dist/workers/inventory.js`, as the image's CMD runs it: no tsx, no TypeScript. */
function startCompiled(entry: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [join(outDir, entry)], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (b: Buffer) => (out.stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out.stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, out, exited };
}

beforeAll(async () => {
  outDir = await mkdtemp(join(PROJECT_ROOT, '.data', 'build-test-'));
  await buildDist(outDir);
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('writes the entry points and the workflow bundle', () => {
    for (const entry of [
      'workers/main.js',
      'workers/inventory.js',
      'workers/catalogue.js',
      'starters/run-events-receiver.js',
    ]) {
      expect(existsSync(join(outDir, entry)), entry).toBe(true);
    }
    expect(existsSync(join(outDir, 'starters/temporal-setup.js'))).toBe(true);
    expect(existsSync(join(outDir, 'local/simulators-server.js'))).toBe(true);
    expect(existsSync(join(outDir, 'workflow-bundle.js'))).toBe(true);
  });

  it('the compiled inventory worker runs: a missing variable is named and it exits 1', async () => {
    const { SITOO_API_PASSWORD: _missing, ...withoutPassword } = variables;
    const run = startCompiled('workers/inventory.js', withoutPassword);
    expect(await run.exited).toBe(1);
    expect(run.out.stderr.trim()).toBe(
      'Invalid configuration for the inventory worker:\n  SITOO_API_PASSWORD: is not set',
    );
  });

  it('the compiled inventory worker connects with the prebuilt workflow bundle and drains on SIGTERM', async () => {
    const run = startCompiled('workers/inventory.js', {
      ...variables,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: 'e2e-build',
    });
    const running = await waitFor('the worker to run', () => {
      if (run.child.exitCode !== null) throw new Error(`exited ${run.child.exitCode}: ${run.out.stderr}`);
      return run.out.stdout.split('\n').find((l) => l.includes('inventory worker running'));
    });
    expect(JSON.parse(running)).toMatchObject({
      workflowBundle: join(outDir, 'workflow-bundle.js'),
      temporal: { frontend: inject('temporalAddress'), namespace: 'e2e-build', tls: false, authentication: 'none' },
    });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.out.stdout).toContain('inventory worker stopped');
  });

  it('the compiled catalogue worker reads its own variables: a bad one is named and it exits 1', async () => {
    const run = startCompiled('workers/catalogue.js', { ...variables, CATALOGUE_SHOPIFY_BUCKET_RESERVE: '0.95' });
    expect(await run.exited).toBe(1);
    expect(run.out.stderr.trim()).toBe(
      'Invalid configuration for the catalogue worker:\n  CATALOGUE_SHOPIFY_BUCKET_RESERVE: Too big: expected number to be <=0.9',
    );
  });

  it('compose without outside accounts: the compiled simulators serve what the processes are given, the catalogue reaches the web shop, and a Sitoo stock move reaches the web', async () => {
    // docker-compose.yml's topology on loopback: the same entry points and variables, free ports for the fixed ones.
    const [sitooPort, bcPort, shopPort, stripePort, eventsPort, webhooksPort] = await Promise.all(
      Array.from({ length: 6 }, freePort),
    );
    const tenant = '7e1a6c2b-0f3d-4e5a-9b8c-1d2e3f4a5b6c';
    const shared = {
      MAPPING_FILE: join(PROJECT_ROOT, 'config', 'mapping.example.yaml'),
      SITOO_BASE_URL: `http://127.0.0.1:${sitooPort}`,
      SITOO_ACCOUNT_ID: '10020',
      SITOO_API_ID: '10020-140',
      SITOO_API_PASSWORD: 'simulated-sitoo-password',
      BC_API_BASE_URL: `http://127.0.0.1:${bcPort}/v2.0/${tenant}/production/api/v2.0`,
      BC_COMPANY_ID: '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
      BC_CLIENT_ID: '0c9f5e1d-2a3b-4c4d-8e5f-6a7b8c9d0e1f',
      BC_CLIENT_SECRET: 'simulated-bc-client-secret',
      SHOPIFY_SHOP_URL: `http://127.0.0.1:${shopPort}`,
      SHOPIFY_ACCESS_TOKEN: 'shpat_simulated',
      STRIPE_API_URL: `http://127.0.0.1:${stripePort}`,
      STRIPE_SECRET_KEY: 'sk_test_simulated',
      EVENTS_USERNAME: 'sitoo-events',
      EVENTS_PASSWORD: 'simulated-events-password',
      SHOPIFY_WEBHOOK_SECRETS: 'simulated-webhook-secret',
    };
    const sims = startCompiled('local/simulators-server.js', {
      ...shared,
      SIM_EVENTS_RECEIVER_URL: `http://127.0.0.1:${eventsPort}`,
      SIM_WEBHOOKS_URL: `http://127.0.0.1:${webhooksPort}/webhooks/shopify`,
    });
    await waitFor('the simulators to listen', () => {
      if (sims.child.exitCode !== null) throw new Error(`exited ${sims.child.exitCode}: ${sims.out.stderr}`);
      return sims.out.stdout.includes('simulators listening');
    });
    const processes = {
      ...shared,
      BC_TOKEN_URL: `http://127.0.0.1:${bcPort}/${tenant}/oauth2/v2.0/token`,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: 'e2e-build',
    };
    const [workerMetrics, receiverMetrics] = await Promise.all([freePort(), freePort()]);
    const worker = startCompiled('workers/inventory.js', {
      ...processes,
      WORKER_HEALTH_PORT: String(await freePort()),
      METRICS_PORT: String(workerMetrics),
    });
    const catalogueWorker = startCompiled('workers/catalogue.js', {
      ...processes,
      WORKER_HEALTH_PORT: String(await freePort()),
      METRICS_PORT: String(await freePort()),
    });
    const receiver = startCompiled('starters/run-events-receiver.js', {
      ...processes,
      EVENTS_PORT: String(eventsPort),
      WEBHOOKS_PORT: String(webhooksPort),
      METRICS_PORT: String(receiverMetrics),
      // The example mapping has a catalogue: the receiver's sync schedule runs it, here often.
      CATALOGUE_SYNC_INTERVAL: '2s',
    });

    const webOnHand = async (sku: string): Promise<number | undefined> => {
      const res = await fetch(`http://127.0.0.1:${shopPort}/admin/api/2026-04/graphql.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_simulated' },
        body: JSON.stringify({
          query:
            '{ location(id: "gid://shopify/Location/1") { inventoryLevels(first: 10) { nodes { item { sku } quantities(names: ["on_hand"]) { quantity } } } } }',
        }),
      });
      const body = (await res.json()) as {
        data: {
          location: { inventoryLevels: { nodes: { item: { sku: string }; quantities: { quantity: number }[] }[] } };
        };
      };
      return body.data.location.inventoryLevels.nodes.find((n) => n.item.sku === sku)?.quantities[0]?.quantity;
    };
    /** Every web variant sold under the SKU, with its product's title: one, or the sync made a twin. */
    const webVariants = async (sku: string) => {
      const res = await fetch(`http://127.0.0.1:${shopPort}/admin/api/2026-04/graphql.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_simulated' },
        body: JSON.stringify({
          query: `{ productVariants(first: 10, query: "sku:${sku}") { nodes { sku price product { title } } } }`,
        }),
      });
      const body = (await res.json()) as {
        data: { productVariants: { nodes: { sku: string; price: string; product: { title: string } | null }[] } };
      };
      return body.data.productVariants.nodes;
    };
    // Seeded from the mapping: store S01's web location holds the store's stock less the mapping's buffer (TEE-BLK-M: 2).
    expect(await webOnHand('JEANS-32')).toBe(10);
    expect(await webOnHand('TEE-BLK-M')).toBe(18);

    await waitFor('the receiver to be up', async () => {
      for (const p of [worker, catalogueWorker, receiver])
        if (p.child.exitCode !== null) throw new Error(`exited ${p.child.exitCode}: ${p.out.stderr}`);
      return (await fetch(`http://127.0.0.1:${eventsPort}/healthz`).catch(() => undefined))?.ok;
    });
    // The catalogue worker adopts the shop's existing product for each master item (its title was
    // the SKU) and writes the master's title and price onto it: no second variant for the SKU.
    await waitFor(
      'the catalogue sync to reach the web shop',
      async () => {
        if (catalogueWorker.child.exitCode !== null)
          throw new Error(`exited ${catalogueWorker.child.exitCode}: ${catalogueWorker.out.stderr}`);
        return (await webVariants('JEANS-32')).some((v) => v.product?.title === 'Jeans 32');
      },
      60_000,
    );
    expect(await webVariants('JEANS-32')).toEqual([
      { sku: 'JEANS-32', price: '799.00', product: { title: 'Jeans 32' } },
    ]);
    const moved = await fetch(`http://127.0.0.1:${sitooPort}/v2/accounts/10020/sites/1/warehousetransactions.json`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from('10020-140:simulated-sitoo-password').toString('base64')}`,
      },
      body: JSON.stringify([
        { warehouseid: 101, transactiontype: 70, items: [{ sku: 'JEANS-32', decimalquantity: '-4.000' }] },
      ]),
    });
    expect(moved.status).toBe(200);
    await waitFor('the web to follow the store', async () => (await webOnHand('JEANS-32')) === 6, 60_000);
    // The compiled processes serve their metrics: the SDK's and ours on the worker, ours on the receiver.
    const workerText = await (await fetch(`http://127.0.0.1:${workerMetrics}/metrics`)).text();
    expect(workerText).toMatch(
      /^temporal_workflow_task_schedule_to_start_latency_seconds_count\{.*task_queue="retail-inventory"/m,
    );
    expect(workerText).toMatch(/^retail_stock_latency_seconds_count\{source="sitoo",store="S01"\} 1$/m);
    const receiverText = await (await fetch(`http://127.0.0.1:${receiverMetrics}/metrics`)).text();
    expect(receiverText).toMatch(
      /^retail_receiver_events_total\{receiver="sitoo-events",outcome="stock-signalled"\} 1$/m,
    );

    for (const p of [worker, catalogueWorker, receiver, sims]) p.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await catalogueWorker.exited).toBe(0);
    expect(await receiver.exited).toBe(0);
  }, 180_000);
});

/** A port nothing listens on now (the local stack's own picker). */
const freePort = async (): Promise<number> => (await freePorts(1))[0]!;
