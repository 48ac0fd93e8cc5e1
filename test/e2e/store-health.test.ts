import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessDayWindow, localDate } from '../../src/domain/business-day';
import { NEXT_ACTION } from '../../src/domain/exceptions';
import { endOfDayWorkflowId } from '../../src/domain/ids';
import { createStoreHealth, type HealthSnapshot, type StoreHealth } from '../../src/client/store-health';
import { launchChromium } from '../../src/local/browser';
import type { LocalStack } from '../../src/local/stack';
import { PROJECT_ROOT } from '../../src/local/temporal-cli';
import { PaymentState } from '../../src/domain/sale';
import { endOfDayStatusQuery, type EndOfDayInput } from '../../src/workflows/end-of-day-contract';
import { TASK_QUEUES } from '../../src/workflows/task-queues';
import { connectTemporal, waitFor, type TestTemporal } from '../support/temporal';
import { parkedAs, runOps, saleHandle, saleResult, sell, startTestStack, stockStatus } from './stack-fixture';

// Per-store health from real flows on the whole stack: sales, parked exceptions, stock and end of
// day, read from Temporal's visibility and queries, served as a page behind a password.
let t: TestTemporal;
let stack: LocalStack;
const zone = 'Europe/Stockholm';
const UI = 'http://temporal-ui.test:8233';
let today: string;
const played = {
  paid: [] as number[],
  neverPaid: 0,
  unknownSku: 0,
  unmapped: 0,
};

beforeAll(async () => {
  t = await connectTemporal('e2e-health');
  stack = await startTestStack(t, 'store-health', {
    paymentConfirmationTimeout: '2s',
    opsPage: { temporalUiUrl: UI },
  });
  today = localDate(Math.floor(Date.now() / 1000), zone);
  // S01: two paid sales and one never paid; S02: a sale with a SKU nobody set up; the pop-up's warehouse is not mapped.
  played.paid = [sell(stack, 101, [['TEE-1', 1]]).orderId, sell(stack, 101, [['CAP-1', 2]]).orderId];
  played.neverPaid = sell(stack, 101, [['BOOK-1', 1]], PaymentState.Pending).orderId;
  played.unknownSku = stack.sitoo.pos.recordSale({
    warehouseId: 102,
    lines: [{ sku: 'NOPE-1', quantity: 1, unitPriceGross: '50.00', vatPercent: 25 }],
    payments: [{ name: 'Cash', amount: '50.00' }],
  }).orderId;
  played.unmapped = sell(stack, 199, [['TEE-1', 1]]).orderId;
  for (const id of played.paid) expect((await saleResult(stack, id)).outcome).toBe('completed');
  await parkedAs(stack, played.neverPaid, 'payment-not-confirmed');
  await parkedAs(stack, played.unknownSku, 'unknown-sku');
  await parkedAs(stack, played.unmapped, 'unmapped-warehouse');

  // Both days closed: S01's reconciles, S02's lists the sale it could not book and parks for finance.
  const closeAt = new Date(Date.now() + 1500);
  for (const warehouseId of [101, 102]) stack.sitoo.pos.closeRegister({ warehouseId, at: closeAt });
  await waitFor('the registers to close', () => Date.now() > closeAt.getTime(), 5_000);
  const close = (storeId: string) => {
    const input: EndOfDayInput = {
      accountId: stack.env.SITOO_ACCOUNT_ID,
      storeId,
      date: today,
      payoutRecheck: '1s',
      payoutMaxWait: '0s',
    };
    return stack.client.workflow.start('endOfDayWorkflow', {
      workflowId: endOfDayWorkflowId(storeId, today),
      taskQueue: TASK_QUEUES.main,
      args: [input],
    });
  };
  const [s01, s02] = await Promise.all([close('S01'), close('S02')]);
  expect(await s01.result()).toMatchObject({ status: 'reconciled' });
  await waitFor('S02 day to park', async () => (await s02.query(endOfDayStatusQuery)).exception, 60_000);
  await waitFor(
    'web stock to settle',
    async () => {
      const s = await stockStatus(stack);
      return s.pendingTransactions === 0 && s.pendingKeys === 0 && !s.flushing;
    },
    60_000,
  );
}, 240_000);

afterAll(async () => {
  await stack?.close();
  await t?.close();
});

const store = (snapshot: HealthSnapshot, id: string) => snapshot.stores.find((s) => s.storeId === id)!;
const runIdOf = async (workflowId: string) => (await stack.client.workflow.getHandle(workflowId).describe()).runId;
const saleId = (orderId: number) => saleHandle(stack, orderId).workflowId;

describe('store health', () => {
  it('shows per store the sales and events today, what is parked and whose, stock sync and the day close, with links into the Temporal UI', async () => {
    const health = createStoreHealth({
      client: stack.client,
      namespace: t.namespace,
      accountId: stack.env.SITOO_ACCOUNT_ID,
      mapping: () => stack.mapping,
      events: stack.receiver.stats.received,
      temporalUiUrl: `${UI}/`,
    });
    const snapshot = await health.read();
    expect(snapshot.stores.map((s) => s.storeId)).toEqual(['S01', 'S02']);
    const ui = `${UI}/namespaces/${t.namespace}/workflows`;

    const s01 = store(snapshot, 'S01');
    expect(s01).toMatchObject({ date: today, timeZone: zone, sales: { count: 3 }, parked: 1 });
    // Counted by the receiver as the events arrived: at least each sale's add, and all of them today.
    expect(s01.events!.count).toBe(stack.receiver.stats.eventsByWarehouse.get(101));
    expect(s01.events!.count).toBeGreaterThanOrEqual(3);
    expect(Date.parse(s01.events!.lastAt!)).toBe(stack.receiver.stats.received.last(101));
    const day = businessDayWindow(today, zone);
    const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
    expect(decodeURIComponent(s01.sales.link!)).toBe(
      `${ui}?query=WorkflowType = "saleWorkflow" AND StoreId = "S01" AND StartTime >= "${iso(day.from)}" AND StartTime < "${iso(day.to)}"`,
    );
    expect(s01.exceptions).toEqual([
      {
        type: 'payment-not-confirmed',
        owner: 'finance',
        count: 1,
        action: NEXT_ACTION['payment-not-confirmed'],
        link: `${ui}?query=${encodeURIComponent('StoreId = "S01" AND ExceptionType = "payment-not-confirmed" AND ExecutionStatus = "Running"')}`,
        workflows: [
          {
            workflowId: saleId(played.neverPaid),
            runId: await runIdOf(saleId(played.neverPaid)),
            // Straight to the tab with the summary and current details: what is wrong, whose, since when, what to do.
            link: `${ui}/${saleId(played.neverPaid)}/${await runIdOf(saleId(played.neverPaid))}/user-metadata`,
          },
        ].map((w) => expect.objectContaining(w)),
        ...(s01.exceptions[0]?.oldestSince ? { oldestSince: s01.exceptions[0].oldestSince } : {}),
      },
    ]);
    const eodS01 = endOfDayWorkflowId('S01', today);
    expect(s01.endOfDay).toEqual({
      date: today,
      workflowId: eodS01,
      state: 'reconciled',
      gapCount: 0,
      gaps: [],
      link: `${ui}/${eodS01}/${await runIdOf(eodS01)}/history`,
    });

    const s02 = store(snapshot, 'S02');
    expect(s02).toMatchObject({ sales: { count: 1 }, parked: 2 });
    expect(s02.exceptions.map((g) => [g.type, g.owner, g.count, g.workflows.map((w) => w.workflowId)]).sort()).toEqual([
      ['reconciliation-gap', 'finance', 1, [endOfDayWorkflowId('S02', today)]],
      ['unknown-sku', 'master-data', 1, [saleId(played.unknownSku)]],
    ]);
    // The day's gaps as the workflow itself reports them.
    const report = (await stack.client.workflow.getHandle(endOfDayWorkflowId('S02', today)).query(endOfDayStatusQuery))
      .report!;
    expect(s02.endOfDay).toMatchObject({
      state: 'parked',
      exceptionType: 'reconciliation-gap',
      gapCount: report.gapCount,
      gaps: report.gaps.slice(0, 5).map((g) => ({ kind: g.kind, what: g.what })),
    });
    expect(s02.endOfDay.gaps!.map((g) => g.what).join('\n')).toContain(String(played.unknownSku));

    // The pop-up's sale parked where no mapped store is: still on the page, under its own store id.
    const elsewhere = snapshot.elsewhere.find((g) => g.type === 'unmapped-warehouse')!;
    expect(elsewhere).toMatchObject({ owner: 'integration-ops', count: 1 });
    expect(elsewhere.workflows.map((w) => w.workflowId)).toEqual([saleId(played.unmapped)]);
    expect(snapshot.elsewhere.flatMap((g) => g.workflows.map((w) => w.workflowId))).not.toContain(
      saleId(played.neverPaid),
    );

    // One coalescer for the account: the same stock state on every store, in sync once it settled.
    expect(snapshot.stock).toMatchObject({ state: 'in-sync', lagSeconds: 0, held: 0 });
    expect(s01.stockHeld).toEqual([]);

    // One store, another day: nothing sold, the day not closed.
    const other = await health.read({ stores: ['S02'], date: '2020-01-15' });
    expect(other.stores.map((s) => [s.storeId, s.sales.count, s.events!.count, s.endOfDay.state])).toEqual([
      ['S02', 0, 0, 'not-run'],
    ]);
    expect(other.elsewhere).toEqual([]);
  });

  it('serves the page and its JSON only with the password, read-only, and `npm run ops -- health` prints it', async () => {
    const ops = stack.ops!;
    const auth = { authorization: `Basic ${Buffer.from(`${ops.username}:${ops.password}`).toString('base64')}` };
    const none = await fetch(`${ops.url}/health.json`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic /);
    const wrong = await fetch(`${ops.url}/`, {
      headers: { authorization: `Basic ${Buffer.from(`${ops.username}:not-the-password`).toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('S01');
    expect((await fetch(`${ops.url}/health.json`, { method: 'POST', headers: auth })).status).toBe(405);
    expect((await fetch(`${ops.url}/health.json?date=yesterday`, { headers: auth })).status).toBe(400);
    expect((await fetch(`${ops.url}/health.json?store=S99`, { headers: auth })).status).toBe(404);
    const json = (await (await fetch(`${ops.url}/health.json?store=S02`, { headers: auth })).json()) as HealthSnapshot;
    expect(json.stores.map((s: StoreHealth) => [s.storeId, s.sales.count, s.parked])).toEqual([['S02', 1, 2]]);

    const cli = await runOps(['health', '--store', 'S02'], {
      OPS_URL: ops.url,
      OPS_USERNAME: ops.username,
      OPS_PASSWORD: ops.password,
    });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^S02 Malmö \(\d{4}-\d{2}-\d{2}, Europe\/Stockholm\)$/m);
    expect(cli.stdout).toMatch(/^ {2}sales 1, events \d+, last event /m);
    expect(cli.stdout).toMatch(/1 × unknown-sku +master-data +age unknown|1 × unknown-sku +master-data +oldest /);
    expect(cli.stdout).toContain(NEXT_ACTION['unknown-sku']);
    expect(cli.stdout).toContain(saleId(played.unknownSku));
    expect(cli.stdout).toMatch(/end of day \d{4}-\d{2}-\d{2}: parked as reconciliation-gap, \d+ gaps?/);
    expect(cli.stdout).toContain(`${UI}/namespaces/${t.namespace}/workflows`);
    const refused = await runOps(['health'], { OPS_URL: ops.url, OPS_PASSWORD: 'not-the-password' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('answered 401');
  });

  it('shows it in Chromium: store rows, counts, owners, actions and links, and refuses a browser without credentials', async () => {
    const ops = stack.ops!;
    const browser = await launchChromium();
    try {
      // Headless Chromium has nobody to ask for a password: the 401's challenge ends the navigation.
      const anonymous = await browser.newPage();
      await expect(anonymous.goto(`${ops.url}/`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      expect(await anonymous.$('table#stores')).toBeNull();
      const wrong = await browser.newPage();
      await wrong.authenticate({ username: ops.username, password: 'not-the-password' });
      expect((await wrong.goto(`${ops.url}/`))?.status()).toBe(401);
      expect(await wrong.$('table#stores')).toBeNull();

      const page = await browser.newPage();
      await page.authenticate({ username: ops.username, password: ops.password });
      await page.setViewport({ width: 1400, height: 900 });
      const res = await page.goto(`${ops.url}/`);
      expect(res?.status()).toBe(200);
      const rows = await page.$$eval('table#stores tr.store', (trs) =>
        trs.map((tr) => ({
          store: tr.getAttribute('data-store'),
          sales: tr.querySelector('td.sales')!.textContent,
          events: tr.querySelector('td.events')!.textContent,
          exceptions: [...tr.querySelectorAll('li.exception')].map((li) => ({
            type: li.getAttribute('data-type'),
            owner: li.querySelector('.owner')!.textContent,
            age: li.querySelector('.age')!.textContent,
            action: li.querySelector('.action')!.textContent,
            href: li.querySelector('a')!.getAttribute('href'),
          })),
          eod: tr.querySelector('td.eod')!.textContent,
          links: [...tr.querySelectorAll('a')].map((a) => a.getAttribute('href')),
        })),
      );
      expect(rows.map((r) => [r.store, r.sales, r.events])).toEqual([
        ['S01', '3', String(stack.receiver.stats.eventsByWarehouse.get(101))],
        ['S02', '1', String(stack.receiver.stats.eventsByWarehouse.get(102))],
      ]);
      const s01 = rows[0]!;
      expect(s01.exceptions).toEqual([
        {
          type: 'payment-not-confirmed',
          owner: 'finance',
          age: expect.stringMatching(/^(age unknown|oldest \d+ (s|min))$/),
          action: NEXT_ACTION['payment-not-confirmed'],
          href: `${UI}/namespaces/${t.namespace}/workflows?query=${encodeURIComponent('StoreId = "S01" AND ExceptionType = "payment-not-confirmed" AND ExecutionStatus = "Running"')}`,
        },
      ]);
      expect(s01.eod).toBe(`${today}: reconciled, 0 gaps`);
      expect(rows[1]!.eod).toMatch(
        new RegExp(`^${today}: parked as reconciliation-gap, \\d+ gaps?Sitoo order ${played.unknownSku}`),
      );
      // Every link goes into the Temporal UI: sales, exceptions, stock sync, the day.
      for (const r of rows) {
        expect(r.links.length).toBeGreaterThanOrEqual(3 + r.exceptions.length);
        for (const href of r.links) expect(href).toMatch(new RegExp(`^${UI}/namespaces/${t.namespace}/workflows[/?]`));
      }
      expect(await page.$eval('#elsewhere', (el) => el.textContent)).toContain('unmapped-warehouse');
      await mkdir(join(PROJECT_ROOT, '.data', 'e2e'), { recursive: true });
      await page.screenshot({ path: join(PROJECT_ROOT, '.data', 'e2e', 'health-page.png'), fullPage: true });
    } finally {
      await browser.cleanup();
    }
  });
});
