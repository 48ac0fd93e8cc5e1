import { defineSet, EMPTY_GUID, iso, type EntitySet } from './entities';
import { etag } from './odata';
import type { BcGlAccount, BcGlEntry, BcJournal, BcJournalLine, BusinessCentralState } from './state';

/**
 * Wire shapes of the finance entity sets (API v2.0 resource pages for account, journal,
 * journalLine and generalLedgerEntry). Amounts are held in cents and served as decimals.
 */
const money = (cents: number): number => cents / 100;

export const accounts = defineSet({
  name: 'accounts',
  type: 'account',
  fields: [
    'id',
    'number',
    'displayName',
    'category',
    'subCategory',
    'blocked',
    'accountType',
    'directPosting',
    'netChange',
    'lastModifiedDateTime',
  ] as const,
  enums: ['category', 'accountType'],
  all: (s: BusinessCentralState) => [...s.gl.accounts.values()],
  view: (s, a: BcGlAccount) => ({
    id: a.id,
    number: a.number,
    displayName: a.displayName,
    category: a.category,
    subCategory: a.subCategory,
    blocked: false,
    accountType: 'Posting',
    directPosting: true,
    netChange: money(s.gl.netChange(a.number)),
    lastModifiedDateTime: iso(a.lastModified),
  }),
  seq: (a) => a.seq,
  pinnable: { number: (a) => a.number },
  etagOf: (a) => etag(a),
});

export const generalLedgerEntries = defineSet({
  name: 'generalLedgerEntries',
  type: 'generalLedgerEntry',
  fields: [
    'id',
    'entryNumber',
    'postingDate',
    'documentNumber',
    'documentType',
    'accountId',
    'accountNumber',
    'description',
    'debitAmount',
    'creditAmount',
    'additionalCurrencyDebitAmount',
    'additionalCurrencyCreditAmount',
    'lastModifiedDateTime',
  ] as const,
  enums: ['documentType'],
  all: (s: BusinessCentralState) => s.gl.entries,
  // No externalDocumentNumber on BC's page: journals are found by documentNumber instead.
  view: (_s, e: BcGlEntry) => ({
    id: e.id,
    entryNumber: e.entryNumber,
    postingDate: e.postingDate,
    documentNumber: e.documentNumber,
    documentType: e.documentType,
    accountId: e.accountId,
    accountNumber: e.accountNumber,
    description: e.description,
    debitAmount: e.amountCents > 0 ? money(e.amountCents) : 0,
    creditAmount: e.amountCents < 0 ? money(-e.amountCents) : 0,
    additionalCurrencyDebitAmount: 0,
    additionalCurrencyCreditAmount: 0,
    lastModifiedDateTime: iso(e.lastModified),
  }),
  seq: (e) => e.seq,
  pinnable: { documentNumber: (e) => e.documentNumber },
  appendOnlySize: (s) => s.gl.entries.length,
  etagOf: (e) => etag({ seq: e.seq, version: 1 }),
});

export const journalLines = defineSet({
  name: 'journalLines',
  type: 'journalLine',
  fields: [
    'id',
    'journalId',
    'journalDisplayName',
    'lineNumber',
    'accountType',
    'accountId',
    'accountNumber',
    'postingDate',
    'documentNumber',
    'externalDocumentNumber',
    'amount',
    'description',
    'comment',
    'taxCode',
    'balanceAccountType',
    'balancingAccountId',
    'balancingAccountNumber',
    'lastModifiedDateTime',
  ] as const,
  enums: ['accountType', 'balanceAccountType'],
  all: (s: BusinessCentralState) => [...s.journals.values()].flatMap((j) => j.lines),
  view: (s, l: BcJournalLine) => ({
    id: l.id,
    journalId: l.journalId,
    journalDisplayName: s.journals.get(l.journalId)?.code ?? '',
    lineNumber: l.lineNumber,
    accountType: l.accountType,
    // BC fills accountId only for G/L and bank accounts.
    accountId: l.accountType === 'G/L Account' ? (s.gl.accounts.get(l.accountNumber)?.id ?? EMPTY_GUID) : EMPTY_GUID,
    accountNumber: l.accountNumber,
    postingDate: l.postingDate,
    documentNumber: l.documentNumber,
    externalDocumentNumber: l.externalDocumentNumber,
    amount: money(l.amountCents),
    description: l.description,
    comment: l.comment,
    taxCode: '',
    balanceAccountType: 'G/L Account',
    balancingAccountId: s.gl.accounts.get(l.balancingAccountNumber)?.id ?? EMPTY_GUID,
    balancingAccountNumber: l.balancingAccountNumber,
    lastModifiedDateTime: iso(l.lastModified),
  }),
  seq: (l) => l.seq,
  pinnable: { documentNumber: (l) => l.documentNumber },
  etagOf: (l) => etag(l),
});

export const journals = defineSet({
  name: 'journals',
  type: 'journal',
  fields: [
    'id',
    'code',
    'displayName',
    'templateDisplayName',
    'balancingAccountId',
    'balancingAccountNumber',
    'lastModifiedDateTime',
  ] as const,
  all: (s: BusinessCentralState) => [...s.journals.values()],
  view: (s, j: BcJournal) => ({
    id: j.id,
    code: j.code,
    displayName: j.displayName,
    templateDisplayName: j.templateName,
    balancingAccountId: s.gl.accounts.get(j.balancingAccountNumber)?.id ?? EMPTY_GUID,
    balancingAccountNumber: j.balancingAccountNumber,
    lastModifiedDateTime: iso(j.lastModified),
  }),
  seq: (j) => j.seq,
  pinnable: { code: (j) => j.code },
  etagOf: (j) => etag(j),
  expand: { journalLines: (s, j) => j.lines.map((l) => journalLines.row(s, l).view) },
});

/** Finance sets readable as plain collections and by key; journalLines needs its journal, so it is routed apart. */
export const financeSets: Record<string, EntitySet<never>> = {
  accounts,
  generalLedgerEntries,
  journals,
} as unknown as Record<string, EntitySet<never>>;
