import type { CloseRegister } from './day';
import { formatCents, requireCents } from './money';
import type { NewPayment, SitooState } from './state';

/** One payment of a till sale. */
export interface PosPayment {
  /** A POS payment type name ("Cash", "Card", "Gift Card", ...); the type's method decides the tender. */
  name: string;
  /** Signed decimal string, e.g. "150.00". */
  amount: string;
  /** The card terminal's reference (Sitoo `refid`), which the processor's payout lines carry. */
  reference?: string;
  /** Stored as `giftcard-cardnumber`, where Sitoo keeps it. */
  giftCardNumber?: string;
}

/** The end of a store's day at the till: closing registers, and the site's clock. */
export interface SitooDayPos {
  /**
   * Closes a register (default: the warehouse's own till) and files its Z-report, built from the
   * closed orders it rang up since its previous closing. Returns the report's zreportid, which
   * counts per register.
   */
  closeRegister(input: CloseRegister): number;
  /** The site's IANA time zone (settings.json `timezone`); default Europe/Stockholm. */
  setTimeZone(zone: string): void;
}

export function createDayPos(state: SitooState): SitooDayPos {
  return {
    closeRegister(input) {
      return state.day.closeRegister(input).zreportid;
    },
    setTimeZone(zone) {
      state.day.setTimeZone(zone);
    },
  };
}

/** The payments of a till sale as Sitoo stores them; they must settle exactly what is due. */
export function salePayments(payments: PosPayment[], dueCents: number): NewPayment[] {
  if (payments.length === 0) throw new Error('Sitoo simulator: a sale needs at least one payment');
  const paid = payments.reduce((sum, p) => sum + requireCents(p.amount), 0);
  if (paid !== dueCents)
    throw new Error(`Sitoo simulator: payments add up to ${formatCents(paid)} but ${formatCents(dueCents)} is due`);
  return payments.map((p): NewPayment => ({
    name: p.name,
    moneyamount: formatCents(requireCents(p.amount)),
    ...(p.reference !== undefined ? { reftype: 'sim-terminal', refid: p.reference } : {}),
    additionaldata: p.giftCardNumber !== undefined ? { 'giftcard-cardnumber': p.giftCardNumber } : {},
  }));
}
