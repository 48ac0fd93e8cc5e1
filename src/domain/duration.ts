/** Parses '500ms', '30s', '15m', '2h', '7d' or a number of milliseconds; undefined when malformed. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) return undefined;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(match[1]) * unit);
}

/**
 * A workflow input that must be a duration. Starters pass values the process validated at start
 * (src/config/env.ts), so a bad one here came from a caller no retry can fix: every workflow that
 * reads one lists this error in its failureExceptionTypes, so the run fails with the field named.
 */
export class InvalidDurationError extends Error {
  override readonly name = 'InvalidDurationError';
}

export function durationMs(field: string, value: string | number): number {
  const ms = parseDuration(value);
  if (ms === undefined)
    throw new InvalidDurationError(`${field} ${JSON.stringify(value)} is not a duration like 30s, 15m, 2h or 1d`);
  return ms;
}

/**
 * How long after a retried ERP booking a flow waits before sweeping for a twin a late commit left
 * (ERP_LATE_COMMIT_WINDOW): BC online queues a request up to 8 minutes and runs it up to 10.
 */
export const DEFAULT_ERP_LATE_COMMIT_WINDOW = '20m';

/** The late-commit window of a flow's input, in ms; a value that is not a duration fails the run naming the field. */
export function erpLateCommitWindowMs(input: { erpLateCommitWindow?: string }): number {
  return durationMs('erpLateCommitWindow', input.erpLateCommitWindow ?? DEFAULT_ERP_LATE_COMMIT_WINDOW);
}
