import { journalLines } from './gl-entities';
import { BC_ACCOUNTS, roundToCents, type GlPosting } from './ledger';
import { BcError, enumCaption, isGuid } from './odata';
import { asObject, codeField, dateField, numberField, textField } from './sales';
import type { BcJournal, BcJournalLine, BusinessCentralState } from './state';

/**
 * General journal writes and the `post` action, following APIV2Journals/APIV2JournalLines and
 * Gen. Jnl.-Post Batch: error texts are BC's own where its source gives them.
 */
export const GENERAL_TEMPLATE = 'GENERAL';
const BATCH_PROPS = new Set(['code', 'displayName', 'templateDisplayName', 'balancingAccountId']);
/** A line takes every field it serves except those BC sets itself. */
const LINE_READ_ONLY: ReadonlySet<string> = new Set(['id', 'journalDisplayName', 'lastModifiedDateTime']);
const LINE_PROPS = new Set(journalLines.fields.filter((f) => !LINE_READ_ONLY.has(f)));

/** BC formats decimals in error texts without trailing zeros: 12.5, 1,234.56. */
const formatAmount = (cents: number): string => (cents / 100).toLocaleString('en-US', { maximumFractionDigits: 2 });

function glAccountById(state: BusinessCentralState, id: unknown, field: string): string {
  const account = isGuid(id) ? state.gl.accountById(id.toLowerCase()) : undefined;
  if (!account) throw new BcError(400, 'Application_DialogException', `The "${field}" does not match to an Account.`);
  return account.number;
}

export function createJournal(state: BusinessCentralState, raw: unknown): BcJournal {
  const body = asObject(raw, 'journal', BATCH_PROPS);
  const code = codeField(body['code'], 'code', 10);
  if (!code)
    throw new BcError(
      400,
      'Application_DialogException',
      'Name must have a value in Gen. Journal Batch: Journal Template Name=GENERAL, Name=. It cannot be zero or empty.',
    );
  // Only the default General template exists here; naming another one is a request we cannot honour.
  const template = codeField(body['templateDisplayName'], 'templateDisplayName', 10) || GENERAL_TEMPLATE;
  if (template !== GENERAL_TEMPLATE)
    throw new BcError(
      400,
      'BadRequest_MethodNotImplemented',
      `Journal template '${template}' is not simulated; only ${GENERAL_TEMPLATE} exists.`,
    );
  if ([...state.journals.values()].some((j) => j.code === code)) {
    throw new BcError(
      409,
      'Internal_EntityWithSameKeyExists',
      `The record in table Gen. Journal Batch already exists. Identification fields and values: Journal Template Name='${GENERAL_TEMPLATE}',Name='${code}'`,
    );
  }
  const balancingAccountNumber =
    body['balancingAccountId'] === undefined
      ? ''
      : glAccountById(state, body['balancingAccountId'], 'balancingAccountId');
  const journal: BcJournal = {
    id: state.newId(),
    seq: state.nextSeq(),
    version: 1,
    lastModified: state.now(),
    code,
    displayName: textField(body['displayName'], 'displayName', 100),
    templateName: GENERAL_TEMPLATE,
    balancingAccountNumber,
    lastDocumentNumber: '',
    lines: [],
  };
  state.journals.set(journal.id, journal);
  return journal;
}

/** AL IncStr: the trailing number goes up by one, keeping its width. */
function incStr(value: string): string {
  const m = /^(.*?)(\d+)$/.exec(value);
  if (!m) return `${value}1`;
  return `${m[1]}${String(Number(m[2]) + 1).padStart(m[2]!.length, '0')}`;
}

/**
 * A blank documentNumber is filled as the journal page fills it: the previous line's number,
 * the next one when the external document number changes, or the batch's next number.
 */
function defaultDocumentNumber(journal: BcJournal, externalDocumentNumber: string): string {
  const previous = journal.lines.at(-1);
  if (previous && previous.externalDocumentNumber === externalDocumentNumber) return previous.documentNumber;
  journal.lastDocumentNumber = incStr(previous?.documentNumber || journal.lastDocumentNumber || 'G00000');
  return journal.lastDocumentNumber;
}

export function createJournalLine(state: BusinessCentralState, journal: BcJournal, raw: unknown): BcJournalLine {
  const body = asObject(raw, 'journalLine', LINE_PROPS);
  if (body['journalId'] !== undefined && String(body['journalId']).toLowerCase() !== journal.id) {
    throw new BcError(400, 'Application_DialogException', "The Journal Batch Id isn't editable.");
  }
  const accountType = enumCaption(body['accountType'] ?? 'G/L Account');
  if (accountType !== 'G/L Account' && accountType !== 'Customer') {
    const known = ['Vendor', 'Bank Account'].includes(String(accountType));
    throw new BcError(
      400,
      known ? 'BadRequest_MethodNotImplemented' : 'Application_EvaluateException',
      known
        ? `Account type '${String(accountType)}' is not simulated.`
        : `The value "${String(accountType)}" is not an option for "accountType".`,
    );
  }
  let accountNumber = codeField(body['accountNumber'], 'accountNumber', 20);
  let defaultDescription = '';
  if (accountType === 'G/L Account') {
    if (body['accountId'] !== undefined) {
      const byId = glAccountById(state, body['accountId'], 'accountId');
      if (accountNumber && accountNumber !== byId)
        throw new BcError(400, 'Application_DialogException', 'The account values do not match to a specific Account.');
      accountNumber = byId;
    } else if (accountNumber && !state.gl.accounts.has(accountNumber)) {
      throw new BcError(400, 'Application_DialogException', 'The "accountNumber" does not match to an Account.');
    }
    defaultDescription = state.gl.accounts.get(accountNumber)?.displayName ?? '';
  } else if (accountNumber) {
    const customer = state.customerByNumber(accountNumber);
    if (!customer)
      throw new BcError(
        400,
        'Internal_RecordNotFound',
        `The Customer does not exist. Identification fields and values: No.='${accountNumber}'`,
      );
    defaultDescription = customer.displayName;
  }
  const balanceAccountType = enumCaption(body['balanceAccountType']);
  if (balanceAccountType !== undefined && balanceAccountType !== 'G/L Account') {
    throw new BcError(
      400,
      'BadRequest_MethodNotImplemented',
      `Balancing account type '${String(balanceAccountType)}' is not simulated.`,
    );
  }
  let balancingAccountNumber = codeField(body['balancingAccountNumber'], 'balancingAccountNumber', 20);
  if (body['balancingAccountId'] !== undefined)
    balancingAccountNumber = glAccountById(state, body['balancingAccountId'], 'balancingAccountId');
  if (balancingAccountNumber && !state.gl.accounts.has(balancingAccountNumber)) {
    throw new BcError(
      400,
      'Internal_RecordNotFound',
      `The G/L Account does not exist. Identification fields and values: No.='${balancingAccountNumber}'`,
    );
  }
  if (codeField(body['taxCode'], 'taxCode', 20))
    throw new BcError(400, 'BadRequest_MethodNotImplemented', 'VAT on journal lines (taxCode) is not simulated.');

  const lineNumber = numberField(
    body['lineNumber'],
    'lineNumber',
    Math.max(0, ...journal.lines.map((l) => l.lineNumber)) + 10_000,
  );
  if (journal.lines.some((l) => l.lineNumber === lineNumber)) {
    throw new BcError(
      409,
      'Internal_EntityWithSameKeyExists',
      `The record in table Gen. Journal Line already exists. Identification fields and values: Journal Template Name='${journal.templateName}',Journal Batch Name='${journal.code}',Line No.='${lineNumber}'`,
    );
  }
  const externalDocumentNumber = codeField(body['externalDocumentNumber'], 'externalDocumentNumber', 35);
  const documentNumber =
    codeField(body['documentNumber'], 'documentNumber', 20) || defaultDocumentNumber(journal, externalDocumentNumber);
  const line: BcJournalLine = {
    id: state.newId(),
    seq: state.nextSeq(),
    version: 1,
    lastModified: state.now(),
    journalId: journal.id,
    lineNumber,
    accountType,
    accountNumber,
    postingDate: dateField(body['postingDate'], 'postingDate', state.today()),
    documentNumber,
    externalDocumentNumber,
    // Amounts are rounded to the currency's precision on validation, as BC does.
    amountCents: roundToCents(numberField(body['amount'], 'amount', 0)),
    description: textField(body['description'], 'description', 100) || defaultDescription,
    comment: textField(body['comment'], 'comment', 250),
    balancingAccountNumber: balancingAccountNumber || journal.balancingAccountNumber,
  };
  journal.lines.push(line);
  journal.lines.sort((a, b) => a.lineNumber - b.lineNumber);
  state.touch(journal);
  return line;
}

function lineIdentification(journal: BcJournal, line: BcJournalLine): string {
  return `Gen. Journal Line: Journal Template Name=${journal.templateName}, Journal Batch Name=${journal.code}, Line No.=${line.lineNumber}`;
}

/** The G/L side of one line: the account (a customer's via its posting group), and its balancing account if any. */
function postingsOf(line: BcJournalLine): GlPosting[] {
  const accountNumber = line.accountType === 'Customer' ? BC_ACCOUNTS.receivables : line.accountNumber;
  const postings = [{ accountNumber, amountCents: line.amountCents, description: line.description }];
  if (line.balancingAccountNumber)
    postings.push({
      accountNumber: line.balancingAccountNumber,
      amountCents: -line.amountCents,
      description: line.description,
    });
  return postings;
}

/**
 * Posts every line of the batch, as Gen. Jnl.-Post Batch does: all checks first (one transaction),
 * each posting date + document number must balance (the General template forces document
 * balance), zero-amount lines are skipped and stay behind, posted lines are deleted.
 */
export function postJournal(state: BusinessCentralState, journal: BcJournal): void {
  if (journal.lines.length === 0) throw new BcError(400, 'Application_DialogException', 'There is nothing to post.');
  const toPost = journal.lines.filter((l) => l.amountCents !== 0);
  for (const line of toPost) {
    if (!line.accountNumber && !line.balancingAccountNumber) {
      throw new BcError(
        400,
        'Application_DialogException',
        `Account No. must have a value in ${lineIdentification(journal, line)}. It cannot be zero or empty.`,
      );
    }
  }
  const groups = new Map<string, BcJournalLine[]>();
  for (const line of [...toPost].sort(
    (a, b) =>
      a.postingDate.localeCompare(b.postingDate) ||
      a.documentNumber.localeCompare(b.documentNumber) ||
      a.lineNumber - b.lineNumber,
  )) {
    const key = JSON.stringify([line.postingDate, line.documentNumber]);
    groups.set(key, [...(groups.get(key) ?? []), line]);
  }
  for (const lines of groups.values()) {
    const balance = lines.reduce((s, l) => s + (l.balancingAccountNumber ? 0 : l.amountCents), 0);
    if (balance !== 0) {
      throw new BcError(
        400,
        'Application_DialogException',
        `Document No. ${lines[0]!.documentNumber} is out of balance by ${formatAmount(balance)}. Please check that Posting Date, Document Type, Document No. and Amount are correct for each line.`,
      );
    }
  }
  for (const lines of groups.values()) {
    const first = lines[0]!;
    const tx = {
      postingDate: first.postingDate,
      documentNumber: first.documentNumber,
      documentType: ' ' as const,
      externalDocumentNumber: first.externalDocumentNumber,
      sourceCode: 'GENJNL',
    };
    state.gl.post(tx, lines.flatMap(postingsOf));
  }
  journal.lines = journal.lines.filter((l) => l.amountCents === 0);
  state.touch(journal);
}
