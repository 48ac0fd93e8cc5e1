import { spawn, type ChildProcess } from 'node:child_process';
import { freePorts } from '../../src/local/processes';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack';
import { PROJECT_ROOT } from '../../src/local/temporal-cli';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';
import { erpDocs, saleResult, sell, startTestStack, webLocation } from './stack-fixture';

// The workers run as real processes, started the way Kubernetes starts them, so one can be killed outright.
let t: TestTemporal;
let stack: LocalStack;
const children: Array<ChildProcess & { entry?: string }> = [];

function startWorkerProcess(entry: 'main' | 'inventory', healthPort = 0): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', `src/workers/${entry}.ts`], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...stack.envVars, LOG_LEVEL: 'warn', WORKER_HEALTH_PORT: String(healthPort) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(Object.assign(child, { entry }));
  return child;
}

beforeAll(async () => {
  t = await connectTemporal('e2e-worker-restart');
  // Slow ERP answers keep sales in flight long enough to kill the worker in the middle of them.
  stack = await startTestStack(t, 'worker-restart', { workers: 'none', faults: { erp: { latencyMs: 150 } } });
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await stack?.close();
  await t?.close();
});

describe('a worker killed mid-flight', () => {
  it('loses no sale and duplicates no order after it is restarted', async () => {
    startWorkerProcess('inventory');
    const main = startWorkerProcess('main');
    const play = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) =>
        sell(stack, (from + i) % 2 ? 102 : 101, [
          ['TEE-1', 1],
          ['BOOK-1', 2],
        ]),
      );
    const stockBefore = { S01: 100, S02: 100 };

    // Kill it once some orders are in the ERP and others have only just been rung up at the till.
    const first = play(6, 0);
    await waitFor(
      'some sales booked',
      () => first.filter((s) => erpDocs(stack, s.orderId).length > 0).length >= 2,
      90_000,
      20,
    );
    const sales = [...first, ...play(6, 6)];
    main.kill('SIGKILL');
    await waitFor('the worker process to die', () => main.signalCode === 'SIGKILL');
    const bookedAtKill = sales.filter((s) => erpDocs(stack, s.orderId).length > 0).length;
    expect(bookedAtKill).toBeLessThan(sales.length);

    startWorkerProcess('main');
    for (const sale of sales) expect((await saleResult(stack, sale.orderId, 120_000)).outcome).toBe('completed');

    for (const sale of sales) {
      const docs = erpDocs(stack, sale.orderId);
      expect(docs, `sale ${sale.orderId}`).toHaveLength(1);
      expect(docs[0]!.kind).toBe('invoice');
    }
    const perStore = {
      S01: sales.filter((_, i) => i % 2 === 0).length,
      S02: sales.filter((_, i) => i % 2 === 1).length,
    };
    for (const storeId of ['S01', 'S02'] as const) {
      expect(stack.ecommerce.state.getAvailable('TEE-1', webLocation(stack, storeId))).toBe(
        stockBefore[storeId] - perStore[storeId],
      );
      expect(stack.ecommerce.state.getAvailable('BOOK-1', webLocation(stack, storeId))).toBe(
        stockBefore[storeId] - 2 * perStore[storeId],
      );
    }
  }, 240_000);

  it('drains and exits cleanly on SIGTERM, as Kubernetes stops a pod', async () => {
    // The main worker left from the test above must not be the one that serves this sale.
    for (const c of children) if (c.entry === 'main' && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    const healthPort = await freePort();
    const main = startWorkerProcess('main', healthPort);
    const sale = sell(stack, 101, [['CAP-1', 1]]);
    expect((await saleResult(stack, sale.orderId, 120_000)).outcome).toBe('completed');
    // The probe Kubernetes uses: 200 while the worker polls its task queue.
    const health = await request(`http://127.0.0.1:${healthPort}/healthz`);
    expect(health.statusCode).toBe(200);
    expect(await health.body.json()).toEqual({ state: 'RUNNING' });
    main.kill('SIGTERM');
    await waitFor('the worker to exit by itself', () => main.exitCode !== null || main.signalCode !== null, 30_000);
    expect(main.signalCode).toBeNull();
    expect(main.exitCode).toBe(0);
  }, 180_000);
});

/** A port nothing listens on now (the local stack's own picker). */
const freePort = async (): Promise<number> => (await freePorts(1))[0]!;
