import type { JournalAccounts } from '../domain/day-journal';

/**
 * The G/L accounts the daily settlement journal posts to (docs/accounting.md): a CRONUS-style
 * chart, the same numbers the ERP simulator's chart uses. A real company sets its own here.
 */
export const DEFAULT_JOURNAL_ACCOUNTS: JournalAccounts = {
  receivables: '2310',
  tenders: { card: '2920', cash: '2910', 'gift-card': '5790', voucher: '5790', other: '2920' },
  rounding: '8530',
  cashDifference: '8540',
};
