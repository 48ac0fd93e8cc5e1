import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack';
import { connectTemporal, type TestTemporal } from '../support/temporal';
import { sell, startTestStack, webLocation, webMatchesStore } from './stack-fixture';

// Inventory first: a backlog on the main queue (ERP bookings) never holds back a web stock update.
let t: TestTemporal;
let stack: LocalStack;

beforeAll(async () => {
  t = await connectTemporal('e2e-stock-priority');
  // One activity slot and a slow ERP: a batch of sales takes many seconds to book.
  stack = await startTestStack(t, 'stock-priority', { mainActivitySlots: 1, faults: { erp: { latencyMs: 150 } } });
});

afterAll(async () => {
  await stack?.close();
  await t?.close();
});

it('web stock follows a store sale while a batch of ERP bookings is still queued', async () => {
  const BATCH = 40;
  for (let i = 0; i < BATCH; i++) sell(stack, 101, [['CAP-1', 1]]);
  sell(stack, 102, [['TEE-1', 3]]);
  await webMatchesStore(stack, 'S02', ['TEE-1']);
  expect(stack.ecommerce.state.getAvailable('TEE-1', webLocation(stack, 'S02'))).toBe(97);
  // The batch of bookings on the main queue is far from done.
  const booked = stack.erp.state.salesDocuments().filter((d) => d.kind === 'invoice').length;
  expect(booked).toBeLessThan(BATCH / 2);
}, 120_000);
