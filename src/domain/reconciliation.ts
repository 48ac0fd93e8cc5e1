import { vatBreakdown, type DayTotals } from './day-journal';
import type { DayTransaction, Tender, ZReport } from './end-of-day';
import { returnOfLineDescription, sitooOrderIdOfErpDocumentNumber, webOrderErpDocumentNumber } from './ids';
import type { SettlementLine } from './payout';

/**
 * Finance's three questions about a store's day, as pure functions over what the activities read:
 * does the POS agree with itself (Z-report vs the day's transactions), did every sale reach the
 * ERP once and for the right amount, and did the card money arrive.
 */
export interface SaleGap {
  orderId: number;
  kind: 'never-posted' | 'posted-twice' | 'amount-differs';
  posCents: number;
  erpCents?: number;
  erpDocuments: number;
}

/** The ERP documents per booking key (see bookingKey), with their gross totals. */
export type ErpDocumentsByOrder = Map<string, number[]>;

/**
 * What a sale document books, as end of day matches it: the Sitoo order id, whichever key the
 * sale was booked under (scoped, or the bare id of older sales); other documents by their own number.
 */
export function bookingKey(externalDocumentNumber: string): string {
  const orderId = sitooOrderIdOfErpDocumentNumber(externalDocumentNumber);
  return orderId === undefined ? externalDocumentNumber : String(orderId);
}

/** Per Sitoo refund order: how many posted credit memos book it, and their gross together. */
export type ErpReturnsByOrder = Map<number, { creditMemos: number; cents: number }>;

/** What the ERP booked for a store's days: invoices by document number, returns by refund order. */
export interface ErpBookings {
  invoices: ErpDocumentsByOrder;
  returns: ErpReturnsByOrder;
}

/**
 * Credit memo lines by the return they book. A web order's returns share its document number,
 * so the line description, which every return's memo carries, is what identifies each one.
 */
export function returnsByOrder(
  lines: ReadonlyArray<{ creditMemoId: string; description: string; grossCents: number }>,
): ErpReturnsByOrder {
  const memos = new Map<number, { ids: Set<string>; cents: number }>();
  for (const l of lines) {
    const orderId = returnOfLineDescription(l.description);
    if (orderId === undefined) continue;
    const m = memos.get(orderId) ?? memos.set(orderId, { ids: new Set(), cents: 0 }).get(orderId)!;
    m.ids.add(l.creditMemoId);
    m.cents += l.grossCents;
  }
  return new Map([...memos].map(([id, m]) => [id, { creditMemos: m.ids.size, cents: m.cents }]));
}

/**
 * A till sale must be one posted ERP document with the same gross, under its Sitoo order id; a
 * collected web order under its web order's document number. A refund must be one posted credit
 * memo for the same gross (store refund or web return alike); its amounts read negative, as the
 * POS shows them.
 */
export function saleGap(tx: DayTransaction, erp: ErpBookings): SaleGap | undefined {
  const posCents = tx.lines.reduce((n, l) => n + l.grossCents, 0);
  if (tx.creditOrderId !== null || tx.lines.every((l) => l.quantity <= 0)) {
    const booked = erp.returns.get(tx.orderId);
    if (!booked) return { orderId: tx.orderId, kind: 'never-posted', posCents, erpDocuments: 0 };
    if (booked.creditMemos > 1)
      return {
        orderId: tx.orderId,
        kind: 'posted-twice',
        posCents,
        erpCents: -booked.cents,
        erpDocuments: booked.creditMemos,
      };
    if (-booked.cents !== posCents)
      return { orderId: tx.orderId, kind: 'amount-differs', posCents, erpCents: -booked.cents, erpDocuments: 1 };
    return undefined;
  }
  const docs = erp.invoices.get(tx.webOrderId ? webOrderErpDocumentNumber(tx.webOrderId) : String(tx.orderId)) ?? [];
  if (docs.length === 0) return { orderId: tx.orderId, kind: 'never-posted', posCents, erpDocuments: 0 };
  if (docs.length > 1)
    return {
      orderId: tx.orderId,
      kind: 'posted-twice',
      posCents,
      erpCents: docs.reduce((a, b) => a + b, 0),
      erpDocuments: docs.length,
    };
  if (docs[0] !== posCents)
    return { orderId: tx.orderId, kind: 'amount-differs', posCents, erpCents: docs[0], erpDocuments: 1 };
  return undefined;
}

export interface TotalsDifference {
  what: string;
  zReportCents: number;
  journalCents: number;
}

/** Z-reports (the registers' own closing) against the day the journal was built from. */
export function zReportDifferences(day: DayTotals, reports: ZReport[]): TotalsDifference[] {
  const out: TotalsDifference[] = [];
  const z = { gross: 0, byTender: {} as Record<string, number>, byVat: {} as Record<string, number>, count: 0 };
  for (const r of reports) {
    z.count += r.totals.transactionCount;
    for (const g of r.totals.vatByRate) {
      z.byVat[String(g.vatPercent)] = (z.byVat[String(g.vatPercent)] ?? 0) + g.netCents + g.vatCents;
      z.gross += g.netCents + g.vatCents;
    }
    for (const [tender, cents] of Object.entries(r.totals.paymentsByTender))
      z.byTender[tender] = (z.byTender[tender] ?? 0) + (cents ?? 0);
  }
  const journalGross = vatBreakdown(day).reduce((n, v) => n + v.grossCents, 0);
  if (z.gross !== journalGross)
    out.push({ what: 'sales net of returns, gross', zReportCents: z.gross, journalCents: journalGross });
  for (const rate of new Set([...Object.keys(z.byVat), ...Object.keys(day.grossByVat)])) {
    const a = z.byVat[rate] ?? 0;
    const b = day.grossByVat[rate] ?? 0;
    if (a !== b) out.push({ what: `gross at ${rate} % VAT`, zReportCents: a, journalCents: b });
  }
  for (const tender of Object.keys(day.paymentsByTender) as Tender[]) {
    const a = z.byTender[tender] ?? 0;
    const b = day.paymentsByTender[tender];
    if (a !== b) out.push({ what: `${tender} payments`, zReportCents: a, journalCents: b });
  }
  if (z.count !== day.transactions)
    out.push({ what: 'transactions (count, not cents)', zReportCents: z.count, journalCents: day.transactions });
  return out;
}

export interface CardPayment {
  orderId: number;
  reference: string;
  amountCents: number;
}

export interface PayoutMatch {
  matched: number;
  matchedCents: number;
  /** The processor's fees on the matched lines. */
  feesCents: number;
  payoutIds: string[];
  /** Card money the POS took that no settlement line carries (yet). */
  unmatchedPos: CardPayment[];
}

const key = (reference: string) => reference.trim().toLowerCase();

/** A payout's charge and refund lines by the references they can be matched on. */
export type SettlementIndex = ReadonlyMap<string, readonly SettlementLine[]>;

/**
 * Built once per payout: a payout carries every store's takings, and each store's day is matched
 * against it, so indexing it per store would repeat the same work a hundred times.
 */
export function indexSettlementLines(lines: readonly SettlementLine[]): SettlementIndex {
  const byRef = new Map<string, SettlementLine[]>();
  for (const l of lines) {
    if (l.type !== 'charge' && l.type !== 'refund') continue;
    for (const k of new Set([l.reference, l.sourceId].filter((v): v is string => !!v).map(key)))
      (byRef.get(k) ?? byRef.set(k, []).get(k)!).push(l);
  }
  return byRef;
}

/**
 * Matches the day's card payments (refunds negative) to settlement lines by the reference the POS
 * stored, whatever payout the line came in: a refund netted in a later batch and a sale paid out
 * after midnight still count for the day of the original transaction.
 */
export function matchCardPayments(payments: CardPayment[], payouts: readonly SettlementIndex[]): PayoutMatch {
  const candidates = (reference: string) => payouts.flatMap((ix) => ix.get(key(reference)) ?? []);
  const used = new Set<string>();
  const out: PayoutMatch = { matched: 0, matchedCents: 0, feesCents: 0, payoutIds: [], unmatchedPos: [] };
  for (const p of payments) {
    const line = candidates(p.reference).find((l) => !used.has(l.id) && l.grossCents === p.amountCents);
    if (!line) {
      out.unmatchedPos.push(p);
      continue;
    }
    used.add(line.id);
    out.matched++;
    out.matchedCents += p.amountCents;
    out.feesCents += line.feeCents;
    if (!out.payoutIds.includes(line.payoutId)) out.payoutIds.push(line.payoutId);
  }
  return out;
}
