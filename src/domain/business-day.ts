/**
 * A store's business day is its local calendar day, whatever the server's zone: a sale rung up at
 * 00:30 in Stockholm belongs to that Stockholm date, and a day with a DST change lasts 23 or 25 h.
 */

/**
 * The zone of a store that names none in the mapping, nor its account: Sitoo's own default site
 * zone, which the first stores are in. The mapping file may set its own (`timeZone`, top level).
 */
export const DEFAULT_TIME_ZONE = 'Europe/Stockholm';

/**
 * The business date (yyyy-mm-dd) of an instant at a store: what every document the ERP gets for
 * it is dated, and the day end of day reads it under. Stores and results recorded before stores
 * had a zone carry none: the account default then.
 */
export function businessDate(unixSeconds: number, store: { timeZone?: string }): string {
  return localDate(unixSeconds, storeTimeZone(store));
}

export function storeTimeZone(store: { timeZone?: string }): string {
  return store.timeZone ?? DEFAULT_TIME_ZONE;
}

/** The local calendar date (yyyy-mm-dd) of a Unix-seconds instant in an IANA time zone. */
export function localDate(unixSeconds: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(unixSeconds * 1000));
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Minutes the zone is ahead of UTC at that instant. */
export function offsetMinutes(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(utcMs));
  const n = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

/** Unix seconds of local midnight starting `date` in the zone. */
export function localMidnight(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d);
  // The offset at the guess may differ from the one at the true midnight across a DST change: settle it.
  let utc = guess - offsetMinutes(guess, timeZone) * 60_000;
  utc = guess - offsetMinutes(utc, timeZone) * 60_000;
  return Math.floor(utc / 1000);
}

/** The business day as a window [from, to) in Unix seconds. */
export function businessDayWindow(date: string, timeZone: string): { from: number; to: number } {
  return { from: localMidnight(date, timeZone), to: localMidnight(addDays(date, 1), timeZone) };
}

const DAY_MS = 86_400_000;
/** The calendar date `ms` after the start of `date` (both yyyy-mm-dd, zone-free calendar arithmetic). */
const dateAfter = (date: string, ms: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + ms).toISOString().slice(0, 10);

export function addDays(date: string, days: number): string {
  return dateAfter(date, days * DAY_MS);
}

/**
 * The last arrival date of a payout that can still carry a day's card money: the day itself, the
 * longest the close waits for it, and one day more for a batch cut after midnight.
 */
export function lastPayoutArrivalDate(date: string, maxWaitMs: number): string {
  return dateAfter(date, maxWaitMs + DAY_MS);
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
