/**
 * An id cursor for polling a system that hands out ids when a write starts and shows the row
 * when it commits: two orders being written at once can commit in the other order, so a poll may
 * see 1043 before 1042 exists. Moving the cursor past 1043 would skip 1042 for ever. The ids a
 * poll jumped over are kept as gaps and looked up again on later polls until they turn up or
 * `gapWaitMs` has passed (an id that never commits: a rolled-back write).
 */
export interface IdGap {
  id: number;
  /** When a poll first found it missing (Unix ms). */
  since: number;
}

/** A jump wider than this is a new range of ids (a cursor set by hand, a system restart), not writes in flight. */
export const MAX_GAP_RUN = 50;
/** Gaps carried at most, the newest kept: the cursor lives in a schedule's arguments. */
export const MAX_GAPS = 500;

/** The ids a poll jumped over, from its cursor through the ascending ids it saw. */
export function gapsIn(fromId: number, seenAscending: readonly number[], now: number): IdGap[] {
  const gaps: IdGap[] = [];
  let expected = fromId;
  for (const id of seenAscending) {
    if (id > expected && id - expected <= MAX_GAP_RUN)
      for (let missing = expected; missing < id; missing++) gaps.push({ id: missing, since: now });
    expected = Math.max(expected, id + 1);
  }
  return gaps;
}

/** Gaps still worth looking for after a look-up that found `found`: the rest are counted as given up. */
export function remainingGaps(
  gaps: readonly IdGap[],
  found: ReadonlySet<number>,
  now: number,
  gapWaitMs: number,
): { gaps: IdGap[]; abandoned: number } {
  const open = gaps.filter((g) => !found.has(g.id));
  const kept = open.filter((g) => now - g.since < gapWaitMs);
  return { gaps: kept, abandoned: open.length - kept.length };
}

export function capGaps(gaps: IdGap[]): IdGap[] {
  return gaps.length > MAX_GAPS ? gaps.slice(gaps.length - MAX_GAPS) : gaps;
}

/** Where the Sitoo poll's next run begins, as a run saves it into its schedule. */
export interface SitooPollCursors {
  nextOrderId: number;
  nextTransactionId?: number;
  /** Ids jumped over that may still commit; absent when a run did not look (see gapsIn). */
  orderGaps?: IdGap[];
  transactionGaps?: IdGap[];
}

/** How much one poll run reads: pages of `pageSize`, at most `maxPages` (the rest is next run's). */
export interface PageLimits {
  pageSize: number;
  maxPages: number;
}
