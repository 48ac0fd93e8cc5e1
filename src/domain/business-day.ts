/**
 * A store's business day is its local calendar day, whatever the server's zone: a sale rung up at
 * 00:30 in Stockholm belongs to that Stockholm date, and a day with a DST change lasts 23 or 25 h.
 */

/** The local calendar date (yyyy-mm-dd) of a Unix-seconds instant in an IANA time zone. */
export function localDate(unixSeconds: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(unixSeconds * 1000));
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Minutes the zone is ahead of UTC at that instant. */
function offsetMinutes(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(utcMs));
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
  const next = new Date(`${date}T12:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return { from: localMidnight(date, timeZone), to: localMidnight(next.toISOString().slice(0, 10), timeZone) };
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
