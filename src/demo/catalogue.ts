import { ensureCatalogueSyncSchedule } from '../client/catalogue-starts';
import { AUTOMATIC_RESOLVER } from '../client/unknown-sku-resume';
import { businessDate } from '../domain/business-day';
import type { CatalogueMapping } from '../domain/catalogue';
import { saleWorkflowId } from '../domain/ids';
import { formatCents, parseCents } from '../domain/money';
import { PaymentState } from '../domain/sale';
import type { LocalStack } from '../local/stack';
import {
  CATALOGUE_SYNC_SCHEDULE_ID,
  priceChangeStatusQuery,
  type CatalogueSyncInput,
} from '../workflows/catalogue-contract';
import { recordedExceptionStatusQuery } from '../workflows/recorded-exception-contract';
import { statusQuery } from '../workflows/sale-contract';
import type { PlayedSale, SaleStatuses } from './check';
import { cardPayment } from './day-close';
import type { PlannedSale, Scenario } from './scenario';

/**
 * The demo's products and prices (issue 15): Business Central is the master, Sitoo and the web
 * shop receive what the mapping gives them, on the catalogue sync's schedule. Played after the
 * hour: a price change in the ERP, a campaign that starts at a given second in the stores' zone,
 * a price edited in a store and a title edited in the shop admin (both put back and reported),
 * and a SKU sold in a store before it existed, resumed by the sync once the ERP has it.
 */
export const DEMO_CATALOGUE_SYNC: CatalogueMapping = {
  master: 'business-central',
  vatRates: {},
  defaultVatRate: 25,
  sitoo: { fields: ['title', 'barcode', 'price', 'active'], pricesIncludeTax: true, priceList: 'STORE' },
  shopify: { fields: ['title', 'barcode', 'price', 'category', 'active'], pricesIncludeTax: true, priceList: 'WEB' },
};

/** Short, so the demo sees each change within seconds; a deployment runs it every few minutes. */
const SYNC_EVERY = '5s';

/** The first sync's deadline: with 5xx injected, its retries back off up to a minute apart. */
const INITIAL_LOAD_MS = 240_000;

/** Far enough ahead that a sync run reads the campaign before it starts, so a durable timer starts it. */
const CAMPAIGN_LEAD_MS = 14_000;

/** SKUs no other part of the demo prices (click & collect and returns use the first ones). */
const SKUS = { priceChange: 'SKU-022', campaign: 'SKU-023', storeEdit: 'SKU-024', webEdit: 'SKU-026' } as const;
const NEW_SKU = { sku: 'SKU-031', name: 'Product 31 (new this week)', unitPrice: 59, category: 'TEES' } as const;

export interface CataloguePlayed {
  priceChange: { sku: string; fromCents: number; toCents: number; visibleAfterMs?: number };
  campaign: {
    sku: string;
    startsAt: string;
    local: string;
    timeZone: string;
    beforeCents: number;
    campaignCents: number;
    /** When each system first showed the campaign price, ms after its start (negative: too early). */
    shownAfterMs: Partial<Record<'sitoo' | 'shopify', number>>;
    onTimer: boolean;
  };
  storeEdit: { sku: string; storeId: string; theirsCents: number; masterCents: number; conflictId?: string };
  webEdit: { sku: string; theirs: string; master: string; conflictId?: string };
  newSku: { sku: string; orderId?: number; parkedAs?: string };
  /** The new SKU's sale, for the sales check and the day close: booked like any paid sale. */
  sale?: PlayedSale;
  problems: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The value `check` returns, or undefined at the deadline. */
async function within<T>(
  ms: number,
  check: () => Promise<T | undefined> | T | undefined,
  everyMs = 200,
): Promise<T | undefined> {
  for (const deadline = Date.now() + ms; ; await sleep(everyMs)) {
    const v = await Promise.resolve(check()).catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) return undefined;
  }
}

/** The sync on its schedule, from the start: it loads the catalogue into both subscribers during the hour. */
export function startCatalogueSync(stack: LocalStack): Promise<string> {
  return ensureCatalogueSyncSchedule(stack.client, SYNC_EVERY);
}

const masterCents = (stack: LocalStack, sku: string) => Math.round(stack.erp.state.itemByNumber(sku)!.unitPrice * 100);
const shopifyCents = (stack: LocalStack, sku: string) => {
  const price = stack.ecommerce.state.products.bySku(sku)[0]?.variants.find((v) => v.sku === sku)?.price;
  return price === undefined ? undefined : parseCents(price);
};
/** The price at every mapped store's till (the lowest of the lists that apply there), if all agree. */
const sitooCents = (stack: LocalStack, sku: string) => {
  const seen = new Set(stack.mapping.stores.map((s) => stack.sitoo.catalogue.posPrice(sku, s.storeId)));
  return seen.size === 1 ? [...seen][0] : undefined;
};

async function conflictFor(stack: LocalStack, system: 'sitoo' | 'shopify', sku: string): Promise<string | undefined> {
  const query = `WorkflowId STARTS_WITH "master-data-conflict-${system}-${sku}-" AND ExceptionType = "master-data-conflict"`;
  for await (const info of stack.client.workflow.list({ query })) return info.workflowId;
  return undefined;
}

/**
 * Whether a price-change flow is about to write this SKU's price to Sitoo (due, or writing and its
 * Sitoo write not done yet). Such a write puts a store's edit back before the sync has looked, so
 * the edit is never reported (a gap in the flows, not the demo's to fix): the demo edits once none is due.
 */
async function sitooPriceWriteDue(stack: LocalStack, sku: string): Promise<boolean> {
  const query = 'WorkflowType = "priceChangeWorkflow" AND ExecutionStatus = "Running"';
  for await (const info of stack.client.workflow.list({ query })) {
    const handle = stack.client.workflow.getHandle(info.workflowId, info.runId);
    const status = await handle.query(priceChangeStatusQuery);
    if (!status.skus.includes(sku)) continue;
    if (status.step === 'waiting' && Date.parse(status.effectiveAt) <= Date.now() + 2_000) return true;
    if (status.step !== 'writing') continue;
    // Sitoo is written first: done once its syncPrices activity has completed.
    const events = (await handle.fetchHistory()).events ?? [];
    const sitooWrites = new Set(
      events
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'syncPrices')
        .filter((e) => {
          const data = e.activityTaskScheduledEventAttributes?.input?.payloads?.[0]?.data;
          return data && (JSON.parse(Buffer.from(data).toString()) as { system?: string }).system === 'sitoo';
        })
        .map((e) => String(e.eventId)),
    );
    const written = events.some((e) =>
      sitooWrites.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? '')),
    );
    if (!written) return true;
  }
  return false;
}

export async function playCatalogue(
  stack: LocalStack,
  scenario: Scenario,
  at: number,
  say: (s: string) => void,
): Promise<CataloguePlayed> {
  const problems: string[] = [];
  const skus = scenario.catalogue.map((c) => c.sku);
  const began = Date.now();
  say(`Products and prices: the ERP is the master, the catalogue sync runs every ${SYNC_EVERY}...`);
  // The first run loads the catalogue (during the hour, retrying through the injected faults) and
  // only then starts watching Sitoo for edits: an edit made before that is not looked for.
  const loaded = await within(
    INITIAL_LOAD_MS,
    async () => {
      const described = await stack.client.schedule.getHandle(CATALOGUE_SYNC_SCHEDULE_ID).describe();
      const [input] = described.action.args as [CatalogueSyncInput];
      const watching = input.cursor.sitooEditsSince !== undefined;
      const priced = skus.every(
        (s) => sitooCents(stack, s) === masterCents(stack, s) && shopifyCents(stack, s) === masterCents(stack, s),
      );
      return watching && priced && !(await sitooPriceWriteDue(stack, SKUS.storeEdit)) ? true : undefined;
    },
    1_000,
  );
  if (!loaded)
    problems.push(`catalogue: the first sync had not loaded the catalogue within ${INITIAL_LOAD_MS / 1000} s`);
  const playing = Date.now();
  say(`  catalogue in Sitoo and Shopify (waited ${((playing - began) / 1000).toFixed(1)} s for the first sync)`);

  // The campaign first: its start is a moment ahead, and the rest plays while it waits.
  const timeZone = stack.mapping.stores[0]?.timeZone ?? 'Europe/Stockholm';
  const start = new Date(Math.ceil((Date.now() + CAMPAIGN_LEAD_MS) / 1000) * 1000);
  const local = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(start);
  // 20 % off, in whole kronor as a merchandiser would type it.
  const campaignCents = Math.round((masterCents(stack, SKUS.campaign) * 0.8) / 100) * 100;
  const campaign: CataloguePlayed['campaign'] = {
    sku: SKUS.campaign,
    startsAt: start.toISOString(),
    local,
    timeZone,
    beforeCents: masterCents(stack, SKUS.campaign),
    campaignCents,
    shownAfterMs: {},
    onTimer: false,
  };
  for (const priceListCode of ['WEB', 'STORE'])
    stack.erp.state.seedPriceLine({
      priceListCode,
      itemNumber: SKUS.campaign,
      unitPrice: campaignCents / 100,
      startingDate: businessDate(Math.floor(start.getTime() / 1000), { timeZone }),
      startingTime: local,
      status: 'Active',
    });
  say(
    `  campaign: ${SKUS.campaign} at ${formatCents(campaignCents)} from ${local} ${timeZone}, ${formatCents(campaign.beforeCents)} until then`,
  );
  // Watched from the side, as a shopper would: when does each system first show it?
  const watching = (async () => {
    const readers = {
      sitoo: () => sitooCents(stack, SKUS.campaign),
      shopify: () => shopifyCents(stack, SKUS.campaign),
    };
    for (const deadline = start.getTime() + 60_000; Date.now() < deadline; await sleep(100)) {
      for (const [system, read] of Object.entries(readers) as Array<[keyof typeof readers, () => number | undefined]>)
        if (campaign.shownAfterMs[system] === undefined && read() === campaignCents)
          campaign.shownAfterMs[system] = Date.now() - start.getTime();
      if (Object.keys(campaign.shownAfterMs).length === 2) return;
    }
  })();

  const priceChange = async (): Promise<CataloguePlayed['priceChange']> => {
    const sku = SKUS.priceChange;
    const fromCents = masterCents(stack, sku);
    const toCents = fromCents - 1_000;
    const changed = Date.now();
    stack.erp.state.changeItem(sku, { unitPrice: toCents / 100 });
    const seen = await within(30_000, () =>
      sitooCents(stack, sku) === toCents && shopifyCents(stack, sku) === toCents ? true : undefined,
    );
    const visibleAfterMs = seen ? Date.now() - changed : undefined;
    say(
      `  price change in the ERP: ${sku} ${formatCents(fromCents)} -> ${formatCents(toCents)}, ${visibleAfterMs === undefined ? 'NOT visible within 30 s' : `at every till and on the web after ${(visibleAfterMs / 1000).toFixed(1)} s`}`,
    );
    return { sku, fromCents, toCents, ...(visibleAfterMs !== undefined ? { visibleAfterMs } : {}) };
  };

  const storeEdit = async (): Promise<CataloguePlayed['storeEdit']> => {
    const sku = SKUS.storeEdit;
    const master = masterCents(stack, sku);
    const theirsCents = master - 2_000;
    const store = stack.mapping.stores[1] ?? stack.mapping.stores[0]!;
    stack.sitoo.catalogue.backofficeEdit(sku, { priceCents: theirsCents });
    const conflictId = await within(30_000, async () =>
      parseCents(stack.sitoo.catalogue.product(sku)?.moneyprice ?? '') === master
        ? conflictFor(stack, 'sitoo', sku)
        : undefined,
    );
    say(
      `  ${store.storeId} set ${sku} to ${formatCents(theirsCents)} in Sitoo Backoffice: ${conflictId ? `put back to ${formatCents(master)}, reported as ${conflictId}` : 'NOT put back and reported within 30 s'}`,
    );
    return { sku, storeId: store.storeId, theirsCents, masterCents: master, ...(conflictId ? { conflictId } : {}) };
  };

  const webEdit = async (): Promise<CataloguePlayed['webEdit']> => {
    const sku = SKUS.webEdit;
    const master = stack.erp.state.itemByNumber(sku)!.displayName;
    const theirs = `${master} - SALE!`;
    stack.ecommerce.state.products.adminEditProduct(sku, { title: theirs });
    const conflictId = await within(30_000, async () =>
      stack.ecommerce.state.products.bySku(sku)[0]?.title === master ? conflictFor(stack, 'shopify', sku) : undefined,
    );
    say(
      `  the shop admin renamed ${sku} "${theirs}": ${conflictId ? `put back to "${master}", reported as ${conflictId}` : 'NOT put back and reported within 30 s'}`,
    );
    return { sku, theirs, master, ...(conflictId ? { conflictId } : {}) };
  };

  const newSku = async (): Promise<Pick<CataloguePlayed, 'newSku' | 'sale'>> => {
    const store = stack.mapping.stores[1] ?? stack.mapping.stores[0]!;
    const sale: PlannedSale = {
      storeId: store.storeId,
      warehouseId: store.sitooWarehouseId,
      kind: 'new-sku',
      at,
      lines: [
        {
          sku: NEW_SKU.sku,
          productName: NEW_SKU.name,
          quantity: 1,
          unitPriceGross: formatCents(NEW_SKU.unitPrice * 100),
          vatPercent: 25,
        },
      ],
    };
    const order = stack.sitoo.pos.recordSale({
      warehouseId: sale.warehouseId,
      lines: sale.lines,
      payments: cardPayment(stack, sale, true),
      paymentStateId: PaymentState.Successful,
    });
    const handle = stack.client.workflow.getHandle(saleWorkflowId(stack.env.SITOO_ACCOUNT_ID, order.orderId));
    const parkedAs = await within(30_000, async () => (await handle.query(statusQuery)).exception?.type);
    say(
      `  ${store.storeId} sold ${NEW_SKU.sku} before it existed: sale ${order.orderId} parked as ${parkedAs ?? '(not parked within 30 s)'}; now created in the ERP`,
    );
    stack.erp.state.seedItem({
      number: NEW_SKU.sku,
      displayName: NEW_SKU.name,
      unitPrice: NEW_SKU.unitPrice,
      itemCategoryCode: NEW_SKU.category,
    });
    const booked = await within(45_000, async () => {
      const s = await handle.query(statusQuery);
      return s.erpOrder?.posted ? s : undefined;
    });
    const by = booked?.resolutions.map((r) => r.resolvedBy).join(', ');
    say(
      `  ${booked ? `sale ${order.orderId} resumed by ${by} once the sync had created ${NEW_SKU.sku}, booked as ${booked.erpOrder!.number}` : `sale ${order.orderId} NOT booked within 45 s`}`,
    );
    return {
      newSku: { sku: NEW_SKU.sku, orderId: order.orderId, ...(parkedAs ? { parkedAs } : {}) },
      sale: { orderId: order.orderId, sale },
    };
  };

  const [price, edits, created] = await Promise.all([priceChange(), Promise.all([storeEdit(), webEdit()]), newSku()]);
  await watching;
  // Started by a durable timer: a price-change flow for the campaign's very moment.
  const moment = campaign.startsAt.slice(0, 19).replace(/[-:]/g, '');
  const timed = await stack.client.workflow.count(
    `WorkflowType = "priceChangeWorkflow" AND WorkflowId STARTS_WITH "price-change-${moment}"`,
  );
  campaign.onTimer = timed.count > 0;
  const shown = (['sitoo', 'shopify'] as const)
    .map((s) =>
      campaign.shownAfterMs[s] === undefined
        ? `${s} NOT within 60 s`
        : `${s} ${(campaign.shownAfterMs[s]! / 1000).toFixed(1)} s after`,
    )
    .join(', ');
  say(
    `  campaign: ${SKUS.campaign} at ${formatCents(campaignCents)} from ${local}: ${shown}${campaign.onTimer ? ' (started by a durable timer)' : ''}`,
  );
  say(`  products and prices played in ${((Date.now() - playing) / 1000).toFixed(1)} s`);
  return { priceChange: price, campaign, storeEdit: edits[0], webEdit: edits[1], ...created, problems };
}

/**
 * Prices equal to the master's everywhere (the campaign's where it is in force), each product
 * once in each system, both edits put back and reported to merchandising, and the new SKU's sale
 * resumed by the sync (its single booking is checked with the other sales).
 */
export async function checkCatalogue(
  stack: LocalStack,
  scenario: Scenario,
  played: CataloguePlayed,
  statuses: SaleStatuses,
): Promise<string[]> {
  const problems = [...played.problems];
  const campaignOn = Date.now() >= Date.parse(played.campaign.startsAt);
  const expected = (sku: string) =>
    sku === played.campaign.sku && campaignOn ? played.campaign.campaignCents : masterCents(stack, sku);
  for (const sku of [...scenario.catalogue.map((c) => c.sku), played.newSku.sku]) {
    const want = expected(sku);
    const shopify = stack.ecommerce.state.products.bySku(sku);
    if (shopify.length !== 1) problems.push(`catalogue: Shopify holds ${shopify.length} products with SKU ${sku}`);
    const sitoo = stack.sitoo.catalogue.countSku(sku);
    if (sitoo !== 1) problems.push(`catalogue: Sitoo holds ${sitoo} products with SKU ${sku}`);
    const web = shopifyCents(stack, sku);
    if (web !== want) problems.push(`catalogue: ${sku} costs ${web} on the web, the master says ${want}`);
    for (const store of stack.mapping.stores) {
      const till = stack.sitoo.catalogue.posPrice(sku, store.storeId);
      if (till !== want)
        problems.push(`catalogue: ${sku} costs ${till} at the ${store.storeId} till, the master says ${want}`);
    }
  }
  if (played.priceChange.visibleAfterMs === undefined)
    problems.push(`catalogue: the ERP price change of ${played.priceChange.sku} was not visible within 30 s`);
  const c = played.campaign;
  for (const system of ['sitoo', 'shopify'] as const) {
    const after = c.shownAfterMs[system];
    if (after === undefined) problems.push(`catalogue: the campaign price never showed in ${system}`);
    else if (after < 0)
      problems.push(`catalogue: the campaign price showed in ${system} ${-after} ms before its start`);
  }

  /** The report is open for merchandising to acknowledge, says the value was put back, and names both values. */
  const conflict = async (id: string | undefined, what: string, expected: Record<string, unknown>): Promise<void> => {
    if (!id) {
      problems.push(`catalogue: ${what} was not reported as master-data-conflict`);
      return;
    }
    const e = (await stack.client.workflow.getHandle(id).query(recordedExceptionStatusQuery)).exception;
    const [found] = (e?.details.conflicts as Array<Record<string, unknown>> | undefined) ?? [];
    const right =
      e?.type === 'master-data-conflict' &&
      e.owner === 'merchandising' &&
      e.allowedActions.includes('acknowledge') &&
      e.details.reverted === true &&
      Object.entries(expected).every(([k, v]) => found?.[k] === v);
    if (!right)
      problems.push(
        `catalogue: ${id} holds ${JSON.stringify(e ?? null)}, expected a report of ${JSON.stringify(expected)}`,
      );
  };
  const se = played.storeEdit;
  await conflict(se.conflictId, `the Sitoo price edit of ${se.sku}`, {
    field: 'price',
    sku: se.sku,
    theirs: se.theirsCents,
    master: se.masterCents,
  });
  const sitooPrice = parseCents(stack.sitoo.catalogue.product(se.sku)?.moneyprice ?? '');
  if (sitooPrice !== se.masterCents) problems.push(`catalogue: Sitoo still holds ${sitooPrice} for ${se.sku}`);
  const we = played.webEdit;
  await conflict(we.conflictId, `the Shopify title edit of ${we.sku}`, {
    field: 'title',
    sku: we.sku,
    theirs: we.theirs,
    master: we.master,
  });
  const title = stack.ecommerce.state.products.bySku(we.sku)[0]?.title;
  if (title !== we.master) problems.push(`catalogue: Shopify still titles ${we.sku} "${title}"`);

  const n = played.newSku;
  if (n.parkedAs !== 'unknown-sku')
    problems.push(`catalogue: the sale of ${n.sku} before it existed was not parked as unknown-sku`);
  const resolutions = n.orderId === undefined ? [] : (statuses.get(n.orderId)?.status.resolutions ?? []);
  if (!resolutions.some((r) => r.exceptionType === 'unknown-sku' && r.resolvedBy === AUTOMATIC_RESOLVER))
    problems.push(
      `catalogue: the sale of ${n.sku} was not resumed by the sync (resolutions: ${JSON.stringify(resolutions)})`,
    );
  return problems;
}

export function renderCatalogue(played: CataloguePlayed): string {
  const p = played.priceChange;
  const c = played.campaign;
  const se = played.storeEdit;
  const we = played.webEdit;
  const after = (ms: number | undefined) => (ms === undefined ? 'not seen' : `${(ms / 1000).toFixed(1)} s`);
  return [
    'Products and prices (the ERP masters them; Sitoo and the web shop follow):',
    `  price change ${p.sku} ${formatCents(p.fromCents)} -> ${formatCents(p.toCents)}: visible at every till and on the web after ${after(p.visibleAfterMs)}`,
    `  campaign ${c.sku} ${formatCents(c.beforeCents)} -> ${formatCents(c.campaignCents)} from ${c.local} ${c.timeZone} (${c.startsAt}): Sitoo ${after(c.shownAfterMs.sitoo)}, Shopify ${after(c.shownAfterMs.shopify)} after its start${c.onTimer ? ', on a durable timer' : ''}`,
    `  ${se.storeId} priced ${se.sku} at ${formatCents(se.theirsCents)} in Sitoo: put back to ${formatCents(se.masterCents)}, ${se.conflictId ?? 'not reported'}`,
    `  shop admin retitled ${we.sku} "${we.theirs}": put back to "${we.master}", ${we.conflictId ?? 'not reported'}`,
    `  ${played.newSku.sku} sold before it existed (sale ${played.newSku.orderId}): parked as ${played.newSku.parkedAs ?? '?'}, resumed by the sync once the ERP had it`,
  ].join('\n');
}
