import type { z } from 'zod';
import { formatCents } from '../../../domain/money';
import { PermanentError, parseBody, TransientError, type HttpCall, type HttpResponse } from '../../http';
import type { ErpGlEntry, ErpGlEntryFilter, ErpJournalInput, ErpJournalPosting } from '../port';
import {
  glEntrySchema,
  journalLineSchema,
  journalSchema,
  type JournalLineCreateBody,
  type JournalLineWire,
} from './schemas';
import { bcAmount, bcCents, BUSINESS_CENTRAL, encodeEnum, normaliseCode, odataString } from './wire';

/** The client's authenticated request and paging, lent to this module so journals stay out of client.ts. */
export interface BcTransport {
  companyUrl: string;
  getAll<T extends z.ZodType>(
    entitySet: string,
    filter: string,
    item: T,
    signal?: AbortSignal,
    o?: { root?: string; select?: string; expand?: string },
  ): Promise<z.output<T>[]>;
  getPages<T extends z.ZodType>(
    entitySet: string,
    first: string,
    item: T,
    signal?: AbortSignal,
    o?: { limit?: number },
  ): Promise<z.output<T>[]>;
  request(
    method: HttpCall['method'],
    url: string,
    o: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal },
  ): Promise<HttpResponse>;
}

/** A line as the journal wants it; the account type is a caption, as the schemas give back what BC holds. */
type Line = Omit<JournalLineCreateBody, 'accountType'> & { accountType: string; cents: number };
interface CheckedJournal {
  journalCode: string;
  documentNumber: string;
  lines: Line[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isDate = (value: string): boolean => DATE.test(value) && !Number.isNaN(Date.parse(value));

function invalid(what: string, why: string, code = 'InvalidJournal'): never {
  throw new PermanentError(`${what}: ${why}`, BUSINESS_CENTRAL, 0, code);
}

/** Code[20]: a longer document number could never be found again, so it is refused, not cut. */
export function journalDocumentNumberOf(value: string): string {
  const doc = normaliseCode(value);
  if (!doc || doc.length > 20)
    invalid(`journal document number '${doc}'`, 'must be 1-20 characters (Business Central Code[20])');
  return doc;
}

/**
 * Refuses locally what BC would refuse at posting time, above all a journal that does not
 * balance: nothing is sent for it, so no half-made draft is left in the batch. Zero lines are
 * dropped, as BC would skip them and leave them behind in the batch.
 */
export function checkJournalInput(input: ErpJournalInput): CheckedJournal {
  const documentNumber = journalDocumentNumberOf(input.documentNumber);
  const what = `journal ${documentNumber}`;
  const journalCode = normaliseCode(input.journalCode);
  if (!journalCode || journalCode.length > 10)
    invalid(what, `journal code '${journalCode}' must be 1-10 characters (Business Central Code[10])`);
  if (!isDate(input.postingDate)) invalid(what, `postingDate '${input.postingDate}' is not YYYY-MM-DD`);
  const lines: Line[] = [];
  for (const l of input.lines) {
    const accountNumber = normaliseCode(l.accountNumber);
    const externalDocumentNumber = normaliseCode(l.externalDocumentNumber ?? '');
    const cents = l.amountCents;
    if (!accountNumber || accountNumber.length > 20)
      invalid(what, `account number '${accountNumber}' must be 1-20 characters`);
    if (!Number.isSafeInteger(cents))
      invalid(what, `the amount ${cents} on account ${accountNumber} is not a whole number of cents`);
    if (l.description.length > 100)
      invalid(
        what,
        `the description on account ${accountNumber} is longer than 100 characters (Business Central Text[100])`,
      );
    if (externalDocumentNumber.length > 35)
      invalid(what, `externalDocumentNumber '${externalDocumentNumber}' is longer than 35 characters`);
    if (cents === 0) continue;
    lines.push({
      accountType: l.accountType ?? 'G/L Account',
      accountNumber,
      postingDate: input.postingDate,
      documentNumber,
      externalDocumentNumber,
      amount: bcAmount(cents),
      description: l.description,
      cents,
    });
  }
  if (lines.length === 0) invalid(what, 'it has no lines with an amount');
  const balance = lines.reduce((s, l) => s + l.cents, 0);
  if (balance !== 0)
    invalid(
      what,
      `the lines do not balance: debits minus credits is ${formatCents(balance)}, it must be 0`,
      'UnbalancedJournal',
    );
  return { journalCode, documentNumber, lines };
}

const lineKey = (
  l: {
    accountType: string;
    accountNumber: string;
    postingDate: string;
    externalDocumentNumber: string;
    description: string;
  },
  cents: number,
): string =>
  JSON.stringify([l.accountType, l.accountNumber, l.postingDate, l.externalDocumentNumber, l.description, cents]);

/**
 * The batch's draft lines of this journal against the journal itself: the lines still to create
 * (a lost response, a first attempt) and the extra ones (a second attempt that ran beside the
 * first, or a create the ERP committed after its client gave up), the oldest kept. A draft line
 * that is in no form part of this journal means the journal changed between attempts; posting it
 * would book the old figures, so that refuses.
 */
function compareDrafts(
  journal: CheckedJournal,
  existing: JournalLineWire[],
): { missing: Line[]; extra: JournalLineWire[] } {
  const wanted = new Map<string, Line[]>();
  for (const l of journal.lines) wanted.set(lineKey(l, l.cents), [...(wanted.get(lineKey(l, l.cents)) ?? []), l]);
  const known = new Set(wanted.keys());
  const extra: JournalLineWire[] = [];
  for (const e of [...existing].sort((a, b) => a.lineNumber - b.lineNumber)) {
    const key = lineKey(e, bcCents(e.amount, 'a journal line amount'));
    const same = wanted.get(key);
    if (!known.has(key)) {
      invalid(
        `journal ${journal.documentNumber}`,
        `its batch already holds a draft line (${e.lineNumber}: ${e.accountNumber} ${e.amount}) that is not in this journal; delete the draft lines and post again`,
        'JournalDraftMismatch',
      );
    }
    if (same?.length) same.pop();
    else extra.push(e);
  }
  return { missing: [...wanted.values()].flat(), extra };
}

async function draftLines(
  t: BcTransport,
  batchUrl: string,
  documentNumber: string,
  signal?: AbortSignal,
): Promise<JournalLineWire[]> {
  return (await t.getPages('journalLines', `${batchUrl}/journalLines`, journalLineSchema, signal)).filter(
    (l) => l.documentNumber === documentNumber,
  );
}

/** A draft line deleted (If-Match: *, the caller decided on what it read); already gone is fine. */
async function deleteDraft(
  t: BcTransport,
  batchUrl: string,
  line: JournalLineWire,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await t.request('DELETE', `${batchUrl}/journalLines(${line.id})`, { headers: { 'if-match': '*' }, signal });
  } catch (err) {
    if (!(err instanceof PermanentError && err.status === 404)) throw err;
  }
}

async function postedEntries(t: BcTransport, documentNumber: string, signal?: AbortSignal) {
  return t.getAll('generalLedgerEntries', `documentNumber eq ${odataString(documentNumber)}`, glEntrySchema, signal);
}

export async function findJournalPosting(
  t: BcTransport,
  documentNumber: string,
  opts: { signal?: AbortSignal; journalCode?: string } = {},
): Promise<ErpJournalPosting | undefined> {
  const doc = journalDocumentNumberOf(documentNumber);
  const posted = await postedEntries(t, doc, opts.signal);
  if (posted.length > 0) return { posted: true, lines: posted.length };
  const batches =
    opts.journalCode === undefined
      ? await t.getPages('journals', `${t.companyUrl}/journals`, journalSchema, opts.signal)
      : await t.getAll(
          'journals',
          `code eq ${odataString(normaliseCode(opts.journalCode))}`,
          journalSchema,
          opts.signal,
        );
  for (const batch of batches) {
    const lines = await t.getAll(
      'journalLines',
      `documentNumber eq ${odataString(doc)}`,
      journalLineSchema,
      opts.signal,
      { root: `${t.companyUrl}/journals(${batch.id})` },
    );
    if (lines.length > 0) return { posted: false, journalId: batch.id, lines: lines.length };
  }
  return undefined;
}

async function findOrCreateBatch(
  t: BcTransport,
  code: string,
  signal?: AbortSignal,
): Promise<{ id: string; code: string }> {
  const find = async () =>
    (await t.getAll('journals', `code eq ${odataString(code)}`, journalSchema, signal)).find((j) => j.code === code);
  const found = await find();
  if (found) return found;
  try {
    const res = await t.request('POST', `${t.companyUrl}/journals`, {
      body: { code, displayName: `Daily POS journal ${code}` },
      signal,
    });
    return parseBody(BUSINESS_CENTRAL, res.text, journalSchema);
  } catch (err) {
    // Another run created it between our look and our create.
    const again = err instanceof PermanentError && err.status === 409 ? await find() : undefined;
    if (again) return again;
    throw err;
  }
}

/**
 * Look first, then create what is missing, make the draft exactly the journal, then post. The
 * batch is posted as a whole (BC posts every line in it), so a batch holding other documents'
 * drafts is refused rather than posted, and just before posting the draft is read again and any
 * line beyond the journal (from an attempt beside this one, or a late commit) is deleted: a
 * doubled batch still balances, and would post the day twice.
 */
export async function postDailyJournal(t: BcTransport, input: ErpJournalInput, signal?: AbortSignal): Promise<void> {
  const journal = checkJournalInput(input);
  const doc = journal.documentNumber;
  const state = await findJournalPosting(t, doc, { signal, journalCode: journal.journalCode });
  if (state?.posted) {
    await sweepJournalDrafts(t, doc, { journalCode: journal.journalCode, signal });
    return;
  }
  const batch = await findOrCreateBatch(t, journal.journalCode, signal);
  const batchUrl = `${t.companyUrl}/journals(${batch.id})`;
  const existing = await t.getPages('journalLines', `${batchUrl}/journalLines`, journalLineSchema, signal);
  const foreign = [...new Set(existing.filter((l) => l.documentNumber !== doc).map((l) => l.documentNumber))];
  if (foreign.length > 0) {
    invalid(
      `journal ${doc}`,
      `batch ${journal.journalCode} holds unposted lines of other documents (${foreign.join(', ')}); posting would post them too`,
      'JournalBatchNotEmpty',
    );
  }
  for (const line of compareDrafts(
    journal,
    existing.filter((l) => l.documentNumber === doc),
  ).missing) {
    const { cents: _cents, ...fields } = line;
    const body: JournalLineCreateBody = { ...fields, accountType: encodeEnum(line.accountType) };
    await t.request('POST', `${batchUrl}/journalLines`, { body, signal });
  }
  const draft = compareDrafts(journal, await draftLines(t, batchUrl, doc, signal));
  if (draft.missing.length)
    throw new TransientError(
      `journal ${doc}: ${draft.missing.length} line(s) not in the batch yet; retrying`,
      BUSINESS_CENTRAL,
    );
  for (const extra of draft.extra) await deleteDraft(t, batchUrl, extra, signal);
  // Another attempt may have posted while this one made the draft exact: then only clean up.
  if ((await postedEntries(t, doc, signal)).length > 0) {
    await sweepJournalDrafts(t, doc, { journalCode: journal.journalCode, signal });
    return;
  }
  try {
    await t.request('POST', `${batchUrl}/Microsoft.NAV.post`, { signal });
  } catch (err) {
    // An earlier attempt still in flight may have posted the batch; BC then finds nothing to post.
    if (!(err instanceof PermanentError) || err.status !== 400) throw err;
    if ((await postedEntries(t, doc, signal)).length === 0) throw err;
  }
}

/**
 * After a journal is posted, its document number must have no draft lines left: a line created
 * late (an attempt that outlived its timeout, a commit after the client gave up) would ride along
 * with the batch's next journal, or block it. Deletes them; returns how many. Does nothing while
 * the journal is not posted, when its drafts are work in progress.
 */
export async function sweepJournalDrafts(
  t: BcTransport,
  documentNumber: string,
  opts: { journalCode: string; signal?: AbortSignal },
): Promise<number> {
  const doc = journalDocumentNumberOf(documentNumber);
  if ((await postedEntries(t, doc, opts.signal)).length === 0) return 0;
  const code = normaliseCode(opts.journalCode);
  const batch = (await t.getAll('journals', `code eq ${odataString(code)}`, journalSchema, opts.signal)).find(
    (j) => j.code === code,
  );
  if (!batch) return 0;
  const batchUrl = `${t.companyUrl}/journals(${batch.id})`;
  const stray = await draftLines(t, batchUrl, doc, opts.signal);
  for (const line of stray) await deleteDraft(t, batchUrl, line, opts.signal);
  return stray.length;
}

export async function listGeneralLedgerEntries(
  t: BcTransport,
  filter: ErpGlEntryFilter,
  signal?: AbortSignal,
): Promise<ErpGlEntry[]> {
  const { postingDateFrom: from, postingDateTo: to } = filter;
  if (!isDate(from) || !isDate(to) || from > to)
    invalid(
      'general ledger entries',
      `posting date range ${from}..${to} must be two YYYY-MM-DD dates, from <= to`,
      'InvalidFilter',
    );
  const conditions = [`postingDate ge ${from}`, `postingDate le ${to}`];
  if (filter.documentNumber !== undefined)
    conditions.push(`documentNumber eq ${odataString(journalDocumentNumberOf(filter.documentNumber))}`);
  const url = `${t.companyUrl}/generalLedgerEntries?$filter=${encodeURIComponent(conditions.join(' and '))}&$orderby=entryNumber`;
  const rows = await t.getPages('generalLedgerEntries', url, glEntrySchema, signal);
  return rows.map((e) => ({
    entryNumber: e.entryNumber,
    postingDate: e.postingDate,
    documentNumber: e.documentNumber,
    documentType: e.documentType,
    accountNumber: e.accountNumber,
    description: e.description,
    debitCents: bcCents(e.debitAmount, 'a G/L debit'),
    creditCents: bcCents(e.creditAmount, 'a G/L credit'),
  }));
}
