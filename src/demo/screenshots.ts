import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium } from '../local/browser';
import { PROJECT_ROOT } from '../local/temporal-cli';

/**
 * `npm run docs:screenshots`: what operators see on the running demo (`npm run demo --
 * --keep-running`, which leaves where to find it in .data/demo/ops.json; or OPS_URL, OPS_USERNAME,
 * OPS_PASSWORD, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_UI_URL), taken in headless Chromium
 * into docs/screenshots/: the store health page, a parked sale's page in the Temporal UI, and the
 * workflow list set up as docs/runbook.md tells each team to, by clicking through the UI as a person
 * would.
 */
interface Demo {
  url?: string;
  username?: string;
  password?: string;
  temporal?: { address: string; namespace: string; uiUrl: string };
}

const OUT = join(PROJECT_ROOT, 'docs', 'screenshots');
const VIEWPORT = { width: 1440, height: 900 };
/** The runbook's query for everything parked, and the name the view is saved under. */
const PARKED_QUERY = 'ExceptionType IS NOT NULL AND ExecutionStatus = "Running"';
const VIEW_NAME = 'All parked';
const EXCEPTION_COLUMNS = ['StoreId', 'ExceptionType', 'ExceptionOwner', 'ExceptionSince'];
/** The UI's default columns a queue does not need: the exception columns take their place. */
const DROPPED_COLUMNS = ['Run ID', 'End'];
const UI_TIMEOUT_MS = 60_000;

async function main() {
  const saved = await readFile(join(PROJECT_ROOT, '.data', 'demo', 'ops.json'), 'utf8')
    .then((s) => JSON.parse(s) as Demo)
    .catch((): Demo => ({}));
  const url = process.env.OPS_URL ?? saved.url;
  const username = process.env.OPS_USERNAME ?? saved.username ?? 'ops';
  const password = process.env.OPS_PASSWORD ?? saved.password;
  if (!url || !password) throw new Error('no running demo found: start `npm run demo -- --keep-running` first');
  const address = process.env.TEMPORAL_ADDRESS ?? saved.temporal?.address;
  const namespace = process.env.TEMPORAL_NAMESPACE ?? saved.temporal?.namespace ?? 'retail';
  const ui = (process.env.TEMPORAL_UI_URL ?? saved.temporal?.uiUrl)?.replace(/\/+$/, '');
  if (!address || !ui) throw new Error('no Temporal UI of the demo found: set TEMPORAL_ADDRESS and TEMPORAL_UI_URL');

  await mkdir(OUT, { recursive: true });
  const browser = await launchChromium();
  try {
    await healthPage(browser, { url, username, password });
    const saleId = await parkedSale(address, namespace);
    await parkedSalePage(browser, `${ui}/namespaces/${encodeURIComponent(namespace)}`, saleId);
    await exceptionListView(browser, `${ui}/namespaces/${encodeURIComponent(namespace)}`);
  } finally {
    await browser.cleanup();
  }
}

async function shot(page: Page, name: string, fullPage = false) {
  await page.screenshot({ path: join(OUT, name), fullPage });
  process.stderr.write(`wrote ${join('docs', 'screenshots', name)}\n`);
}

async function healthPage(browser: Browser, ops: { url: string; username: string; password: string }) {
  const page = await browser.newPage();
  await page.authenticate({ username: ops.username, password: ops.password });
  await page.setViewport(VIEWPORT);
  const res = await page.goto(`${ops.url}/`);
  if (res?.status() !== 200) throw new Error(`the health page answered ${res?.status()}`);
  await shot(page, 'health-page.png', true);
  await page.close();
}

/** A sale the default demo leaves parked, found as an operator would: an unknown SKU at Göteborg (S02). */
async function parkedSale(address: string, namespace: string): Promise<string> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    const running = `WorkflowType = "saleWorkflow" AND ExecutionStatus = "Running"`;
    for (const query of [
      `${running} AND ExceptionType = "unknown-sku" AND StoreId = "S02"`,
      `${running} AND ExceptionType IS NOT NULL`,
    ]) {
      for await (const info of client.workflow.list({ query, pageSize: 1 })) return info.workflowId;
    }
    throw new Error('the demo left no sale parked: nothing to show');
  } finally {
    await connection.close();
  }
}

/** The sale's page as a link opens it, then its User Metadata tab: the summary and current details. */
async function parkedSalePage(browser: Browser, ns: string, workflowId: string) {
  const page = await browser.newPage();
  await page.setViewport(VIEWPORT);
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  await page.goto(`${ns}/workflows/${encodeURIComponent(workflowId)}`, { timeout: UI_TIMEOUT_MS });
  await page.waitForSelector('[data-testid="workflow-id-heading"]');
  await clickWhenReady(page, '#user-metadata-tab');
  await frameShowing(page, 'Parked:');
  await shot(page, 'parked-sale-user-metadata.png');
  await page.close();
}

/** Polls `check` until it holds: the UI loads and renders in steps, with nothing to await. */
async function until(what: string, check: () => Promise<boolean>) {
  const deadline = Date.now() + UI_TIMEOUT_MS;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`the Temporal UI did not show ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Drawers and modals slide in: an element shown may not take a click until it stops moving. */
function clickWhenReady(page: Page, selector: string) {
  return until(`${selector} taking a click`, async () => {
    await page.waitForSelector(selector, { visible: true });
    await page.click(selector);
    return true;
  });
}

/** The UI renders metadata as Markdown, each text in a frame of its own. */
async function frameShowing(page: Page, text: string) {
  await until(`"${text}"`, async () => {
    for (const frame of page.frames()) {
      const shown = await frame.$eval('body', (body) => body.textContent ?? '').catch(() => '');
      if (shown.includes(text)) return true;
    }
    return false;
  });
}

/**
 * The runbook's steps for a team's queue, clicked through: the raw query, the table settings (add
 * the exception columns, move them to the front, drop Run ID and End), Save as New; then the list
 * opened afresh from the saved view, which is what the screenshot shows.
 */
async function exceptionListView(browser: Browser, ns: string) {
  const page = await browser.newPage();
  await page.setViewport(VIEWPORT);
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  const click = (selector: string) => clickWhenReady(page, selector);
  await page.goto(`${ns}/workflows`, { timeout: UI_TIMEOUT_MS });
  await click('[data-testid="toggle-manual-query"]');
  await click('[data-testid="manual-search-input"]');
  await page.type('[data-testid="manual-search-input"]', PARKED_QUERY);
  await click('[data-testid="manual-search-button"]');

  await click('[data-testid="workflows-summary-table-configuration-button"]');
  for (const column of EXCEPTION_COLUMNS) await click(`[data-testid="orderable-list-item-${column}-add-button"]`);
  for (const column of DROPPED_COLUMNS) await click(`[data-testid="orderable-list-item-${column}-remove-button"]`);
  // Status first, then the exception columns, before the long workflow ids push them out of sight.
  for (const column of EXCEPTION_COLUMNS) {
    const inView = async () =>
      page.$$eval('[data-testid^="orderable-list-item-"][draggable="true"]', (items) =>
        items.map((item) => item.getAttribute('data-testid')!.replace(/^orderable-list-item-/, '')),
      );
    const target = EXCEPTION_COLUMNS.indexOf(column) + 1;
    while ((await inView()).indexOf(column) > target) {
      await click(`[data-testid="orderable-list-item-${column}-move-up-button"]`);
    }
  }
  await click('button[aria-label="Close Workflows Table configuration"]');

  await click('[data-testid="create-view-button"]');
  await click('[data-testid="save-view-modal-input"]');
  await page.type('[data-testid="save-view-modal-input"]', VIEW_NAME);
  await click('#save-view-modal [data-testid="confirm-modal-button"]');
  const viewButton = `[data-testid="${VIEW_NAME.toLowerCase().replace(/\s+/g, '-')}"]`;
  await page.waitForSelector(viewButton, { visible: true });

  // Saved in the browser: a new visit to the list finds the view and the columns there.
  await page.goto(`${ns}/workflows`, { timeout: UI_TIMEOUT_MS });
  await click(viewButton);
  await until('the saved view with the exception columns', async () => {
    const headers = await page.$$eval('thead th', (ths) => ths.map((th) => th.textContent?.trim()));
    return EXCEPTION_COLUMNS.every((c) => headers.includes(c)) && (await page.$$('tbody tr')).length > 0;
  });
  await shot(page, 'exception-list-view.png');
  await page.close();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
