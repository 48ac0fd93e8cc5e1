import { clickAndCollectWorkflowId, returnInStoreWorkflowId, webOrderErpDocumentNumber } from '../domain/ids';
import { divRound, formatCents, parseCents } from '../domain/money';
import type { LocalStack } from '../local/stack';
import { lineGrossCents } from '../simulators/shopify/order-money';
import { clickAndCollectStatusQuery, type ClickAndCollectResult } from '../workflows/click-and-collect-contract';
import { returnStatusQuery, type ReturnStatus } from '../workflows/return-in-store-contract';

/**
 * The demo's omni-channel hour: web orders collected in stores (and cancelled from either side,
 * or never collected), then goods bought online brought back to a store, once, twice, too often
 * and without a receipt. It checks the end state the way finance and the stores would.
 */
type Fate = 'collected' | 'cancelled-on-web' | 'cancelled-in-store' | 'expires';
const FATES: Fate[] = ['collected', 'collected', 'collected', 'cancelled-on-web', 'cancelled-in-store', 'expires'];

/**
 * The first order (collected, then returned in parts and once too often) is bought at a discount
 * and paid partly by gift card, so refunds must follow what was paid, not list prices: 10 % off
 * the first line, 45.72 off the order (10 % of the rest), 100.00 on a gift card. The amounts
 * divide evenly by the units, so the pickup order Sitoo holds at per-unit prices adds up too.
 */
const DISCOUNTED = {
  lineDiscounts: ['39.80'],
  orderDiscount: '45.72',
  payments: [{ gateway: 'gift_card', amount: '100.00' }, { gateway: 'shopify_payments' }],
};

export interface OmniPlayed {
  collects: Array<{ webOrderId: string; gid: string; storeId: string; fate: Fate; sitooOrderId: number }>;
  returns: Array<{
    sitooOrderId: number;
    webOrderId: string | null;
    storeId: string;
    units: Record<string, number>;
    expect: 'refunded' | 'return-exceeds-purchase' | 'orphaned-return';
  }>;
}

export interface OmniSummary {
  collects: Record<string, number>;
  returns: Record<string, number>;
  refunded: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.resolve(check()).catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
    await sleep(200);
  }
}

export async function playOmni(stack: LocalStack, skus: string[], say: (s: string) => void): Promise<OmniPlayed> {
  const played: OmniPlayed = { collects: [], returns: [] };
  const stores = stack.mapping.stores;
  const collectHandle = (id: string) => stack.client.workflow.getHandle(clickAndCollectWorkflowId(id));
  say(`Click & collect: ${FATES.length} web orders for pickup in stores...`);
  for (const [i, fate] of FATES.entries()) {
    const store = stores[i % stores.length]!;
    const placed = stack.ecommerce.state.createOrder({
      lines: [
        { sku: skus[i % skus.length]!, quantity: 2, price: '199.00' },
        { sku: skus[(i + 1) % skus.length]!, quantity: 1, price: '99.00' },
      ],
      pickupLocationId: store.webLocationId,
      ...(i === 0 ? DISCOUNTED : {}),
    });
    await until(`order ${placed.name} to reach the store`, async () =>
      (await collectHandle(placed.legacyId).query(clickAndCollectStatusQuery)).step === 'awaiting-store'
        ? true
        : undefined,
    );
    const sitooOrderId = stack.sitoo.state.findByExternalId(placed.legacyId)!.orderid;
    played.collects.push({ webOrderId: placed.legacyId, gid: placed.id, storeId: store.storeId, fate, sitooOrderId });
  }
  for (const c of played.collects) {
    if (c.fate === 'collected') {
      stack.sitoo.pos.markReadyForPickup(c.sitooOrderId);
      await until('the web to show ready for pickup', () =>
        stack.ecommerce.state.orders.get(c.gid)!.fulfillmentOrders[0]!.preparedForPickup ? true : undefined,
      );
      stack.sitoo.pos.collect(c.sitooOrderId);
    } else if (c.fate === 'cancelled-on-web') stack.ecommerce.state.cancelOrderAsCustomer(c.gid);
    else if (c.fate === 'cancelled-in-store') stack.sitoo.pos.cancelFromStore(c.sitooOrderId);
  }
  say('Waiting for every click & collect order to finish (one is left to expire)...');
  for (const c of played.collects)
    await until(`collect ${c.webOrderId}`, () => collectHandle(c.webOrderId).result(), 120_000);

  // Returns against the first two collected orders, taken back at another store than the pickup.
  const [first, second] = played.collects.filter((c) => c.fate === 'collected');
  const otherStore = (storeId: string) => stores.find((s) => s.storeId !== storeId) ?? stores[0]!;
  const sitooOrder = (id: number) => stack.sitoo.state.getOrder(id)!;
  const skuOf = (id: number, n: number) => sitooOrder(id).orderitems[n]!.sku;
  const giveBack = (
    c: (typeof played.collects)[number] | null,
    storeId: string,
    units: Record<string, number>,
    expect: OmniPlayed['returns'][number]['expect'],
  ) => {
    const warehouseId = stores.find((s) => s.storeId === storeId)!.sitooWarehouseId;
    const sitooOrderId = stack.sitoo.pos.returnItems({
      originalOrderId: c?.sitooOrderId ?? null,
      warehouseId,
      lines: Object.entries(units).map(([sku, quantity]) => ({ sku, quantity })),
    });
    played.returns.push({ sitooOrderId, webOrderId: c?.webOrderId ?? null, storeId, units, expect });
  };
  say('Returns in store: partial, repeated, one too many, one without a receipt...');
  giveBack(first!, otherStore(first!.storeId).storeId, { [skuOf(first!.sitooOrderId, 0)]: 1 }, 'refunded');
  await settleReturns(stack, played);
  giveBack(
    first!,
    first!.storeId,
    { [skuOf(first!.sitooOrderId, 0)]: 1, [skuOf(first!.sitooOrderId, 1)]: 1 },
    'refunded',
  );
  await settleReturns(stack, played);
  giveBack(first!, first!.storeId, { [skuOf(first!.sitooOrderId, 1)]: 1 }, 'return-exceeds-purchase');
  giveBack(second!, otherStore(second!.storeId).storeId, { [skuOf(second!.sitooOrderId, 1)]: 1 }, 'refunded');
  giveBack(null, second!.storeId, { [skuOf(second!.sitooOrderId, 0)]: 1 }, 'orphaned-return');
  await settleReturns(stack, played);
  return played;
}

/** Every return has finished or parked. */
async function settleReturns(stack: LocalStack, played: OmniPlayed): Promise<void> {
  for (const r of played.returns) {
    const handle = stack.client.workflow.getHandle(returnInStoreWorkflowId(stack.env.SITOO_ACCOUNT_ID, r.sitooOrderId));
    await until(
      `return ${r.sitooOrderId}`,
      async () => {
        const s = await handle.query(returnStatusQuery);
        return s.exception || s.step === 'refunded' ? s : undefined;
      },
      120_000,
    );
  }
}

export async function checkOmni(
  stack: LocalStack,
  played: OmniPlayed,
  skus: string[],
): Promise<{ problems: string[]; summary: OmniSummary }> {
  const problems: string[] = [];
  const summary: OmniSummary = { collects: {}, returns: {}, refunded: '0.00' };
  const erpDocs = (webOrderId: string) =>
    stack.erp.state.salesDocuments().filter((d) => d.externalDocumentNumber === webOrderErpDocumentNumber(webOrderId));
  for (const c of played.collects) {
    const result: ClickAndCollectResult = await stack.client.workflow
      .getHandle(clickAndCollectWorkflowId(c.webOrderId))
      .result();
    summary.collects[result.outcome] = (summary.collects[result.outcome] ?? 0) + 1;
    const web = stack.ecommerce.state.orders.get(c.gid)!;
    const wanted = c.fate === 'collected' ? 'collected' : c.fate === 'expires' ? 'expired' : 'cancelled';
    if (result.outcome !== wanted) problems.push(`click & collect ${c.webOrderId} (${c.fate}) ended ${result.outcome}`);
    const docs = erpDocs(c.webOrderId);
    if (c.fate === 'collected') {
      if (docs.length !== 1 || docs[0]!.kind !== 'invoice')
        problems.push(`collected web order ${c.webOrderId} has ${docs.length} ERP documents, expected one posted`);
      if (web.fulfillmentOrders[0]!.status !== 'CLOSED')
        problems.push(`collected web order ${c.webOrderId} is not fulfilled on the web`);
    } else {
      if (docs.length) problems.push(`web order ${c.webOrderId} (${c.fate}) reached the ERP`);
      if (!web.cancelledAt || !web.transactions.some((t) => t.kind === 'REFUND'))
        problems.push(`web order ${c.webOrderId} (${c.fate}) is not cancelled and refunded on the web`);
    }
  }
  // Reservations released: no store holds anything back for an order that is over.
  for (const store of stack.mapping.stores) {
    for (const sku of skus) {
      const reserved = stack.sitoo.state.getReserved(store.sitooWarehouseId, sku);
      if (reserved !== 0) problems.push(`${store.storeId} still reserves ${reserved} of ${sku}`);
    }
  }
  let refundedCents = 0;
  const memoCents = (lines: Array<{ quantity: number; unitPrice: number }>) =>
    lines.reduce((n, l) => n + l.quantity * parseCents(l.unitPrice)!, 0);
  for (const r of played.returns) {
    const status: ReturnStatus = await stack.client.workflow
      .getHandle(returnInStoreWorkflowId(stack.env.SITOO_ACCOUNT_ID, r.sitooOrderId))
      .query(returnStatusQuery);
    const outcome = status.exception?.type ?? status.step;
    summary.returns[outcome] = (summary.returns[outcome] ?? 0) + 1;
    if (outcome !== r.expect) problems.push(`return ${r.sitooOrderId} is ${outcome}, expected ${r.expect}`);
    if (r.expect !== 'refunded' || !status.refund) continue;
    // Refunds equal returns: every unit that came back, and nothing else, was refunded.
    const refundedUnits: Record<string, number> = {};
    for (const l of status.refund.lines) refundedUnits[l.sku] = (refundedUnits[l.sku] ?? 0) + l.quantity;
    refundedCents += status.refund.amountCents;
    if (JSON.stringify(Object.entries(refundedUnits).sort()) !== JSON.stringify(Object.entries(r.units).sort()))
      problems.push(
        `return ${r.sitooOrderId} refunded ${JSON.stringify(refundedUnits)}, returned ${JSON.stringify(r.units)}`,
      );
    // Stock restored at the right location: the credit memo books it where it came back.
    const where = stack.mapping.stores.find((s) => s.storeId === r.storeId)!.erpLocationCode;
    const memo = stack.erp.state
      .creditMemos()
      .find((m) => m.lines.some((l) => l.description === `Sitoo return ${r.sitooOrderId}`));
    if (!memo?.posted || memo.lines.some((l) => l.locationCode !== where))
      problems.push(`return ${r.sitooOrderId} has no posted credit memo at ${where}`);
    // The books agree with the money that went out: the memo credits exactly what was refunded.
    else if (memoCents(memo.lines) !== status.refund.amountCents)
      problems.push(
        `return ${r.sitooOrderId} credited ${formatCents(memoCents(memo.lines))} in the ERP, refunded ${formatCents(status.refund.amountCents)} on the web`,
      );
  }
  // Refunds equal what was paid for the returned units: per web line, its paid amount (discounts
  // and tax allocated, as the shop records them) shared over its units, never its list price.
  const returnedOrders = [
    ...new Set(played.returns.filter((r) => r.expect === 'refunded' && r.webOrderId).map((r) => r.webOrderId!)),
  ].map((id) => stack.ecommerce.state.orders.get(played.collects.find((c) => c.webOrderId === id)!.gid)!);
  for (const o of returnedOrders) {
    const paid = o.lines.reduce((n, l) => n + divRound(lineGrossCents(o, l) * l.refunded, l.quantity), 0);
    const refunded = o.refunds.reduce((n, rf) => n + rf.totalCents, 0);
    if (refunded !== paid)
      problems.push(
        `web order ${o.name} refunded ${formatCents(refunded)} for returned units it was paid ${formatCents(paid)} for`,
      );
  }
  if (!returnedOrders.some((o) => o.lines.some((l) => l.discountAllocations.length > 0 && l.refunded > 0)))
    problems.push('no discounted web line was returned: the refund check proves nothing about discounts');
  const webRefundedCents = played.returns
    .filter((r) => r.webOrderId)
    .map((r) => r.webOrderId!)
    .filter((id, i, all) => all.indexOf(id) === i)
    .flatMap((id) => stack.ecommerce.state.orders.get(played.collects.find((c) => c.webOrderId === id)!.gid)!.refunds)
    .reduce((n, rf) => n + rf.totalCents, 0);
  if (webRefundedCents !== refundedCents)
    problems.push(`the web refunded ${formatCents(webRefundedCents)} for returns worth ${formatCents(refundedCents)}`);
  summary.refunded = formatCents(refundedCents);
  return { problems, summary };
}

export function renderOmni(s: OmniSummary): string {
  const list = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ');
  return `Click & collect: ${list(s.collects)}. Returns in store: ${list(s.returns)}; ${s.refunded} refunded on the web, equal to what was paid for the returned goods and to the credit memos`;
}
