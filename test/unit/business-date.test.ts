import { describe, expect, it } from 'vitest';
import { businessDate, DEFAULT_TIME_ZONE } from '../../src/domain/business-day';

// The one way a document gets its date: the store's local calendar day, never the UTC one.
const at = (iso: string) => Date.parse(iso) / 1000;

describe('businessDate', () => {
  it('is the local day in a zone east of UTC, where 00:30 local is the previous UTC day', () => {
    // Before: documents took the UTC date, 2025-06-14 here.
    expect(businessDate(at('2025-06-14T22:30:00Z'), { timeZone: 'Europe/Stockholm' })).toBe('2025-06-15');
    expect(businessDate(at('2025-06-14T21:59:59Z'), { timeZone: 'Europe/Stockholm' })).toBe('2025-06-14');
    expect(businessDate(at('2025-06-14T15:30:00Z'), { timeZone: 'Asia/Tokyo' })).toBe('2025-06-15');
  });

  it('is the local day in a zone west of UTC, where 23:30 local is the next UTC day', () => {
    expect(businessDate(at('2025-06-15T03:30:00Z'), { timeZone: 'America/New_York' })).toBe('2025-06-14');
    expect(businessDate(at('2025-06-15T06:30:00Z'), { timeZone: 'America/Los_Angeles' })).toBe('2025-06-14');
  });

  it('follows the offset across a DST change (CET to CEST and back)', () => {
    // 2025-03-30: clocks go 02:00 -> 03:00 in Stockholm, so midnight local is 23:00 UTC before and 22:00 UTC after.
    expect(businessDate(at('2025-03-29T22:59:59Z'), { timeZone: 'Europe/Stockholm' })).toBe('2025-03-29');
    expect(businessDate(at('2025-03-29T23:00:00Z'), { timeZone: 'Europe/Stockholm' })).toBe('2025-03-30');
    expect(businessDate(at('2025-03-30T21:59:59Z'), { timeZone: 'Europe/Stockholm' })).toBe('2025-03-30');
    expect(businessDate(at('2025-03-30T22:00:00Z'), { timeZone: 'Europe/Stockholm' })).toBe('2025-03-31');
    // 2025-10-26: back to CET, the day lasts 25 hours.
    expect(businessDate(at('2025-10-25T22:00:00Z'), { timeZone: 'Europe/Stockholm' })).toBe('2025-10-26');
    expect(businessDate(at('2025-10-26T22:59:59Z'), { timeZone: 'Europe/Stockholm' })).toBe('2025-10-26');
    expect(businessDate(at('2025-10-26T23:00:00Z'), { timeZone: 'Europe/Stockholm' })).toBe('2025-10-27');
  });

  it('counts a store that names no zone (mapped, or recorded, before stores had one) in the account default', () => {
    expect(DEFAULT_TIME_ZONE).toBe('Europe/Stockholm');
    expect(businessDate(at('2025-06-14T22:30:00Z'), {})).toBe('2025-06-15');
  });
});
