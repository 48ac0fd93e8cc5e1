import { parseCents } from '../../domain/money';
import type { SimRequest, SimResponse, SimRoute } from '../http-server';
import { nsError } from './errors';
import {
  EXTERNAL_ID,
  GROUP_OF,
  type NetSuiteState,
  type NsJournalLine,
  type NsLine,
  type NsRecordType,
  type NsTransaction,
  type TransactionType,
} from './state';

export const RECORD_PREFIX = '/services/rest/record/v1';
const TRANSACTION_TYPES: readonly string[] = [
  'cashSale',
  'creditMemo',
  'cashRefund',
  'inventoryAdjustment',
  'journalEntry',
];
/** The sublist holding a transaction type's lines: what `replace=` names. */
const SUBLIST: Record<string, string> = { inventoryAdjustment: 'inventory', journalEntry: 'line' };
const sublistOf = (type: string) => SUBLIST[type] ?? 'item';
const READABLE_TYPES: readonly string[] = [...TRANSACTION_TYPES, 'customer', 'location', 'inventoryItem'];

type Refusal = { status: number; code: string; detail: string; path?: string };
class Refused extends Error {
  constructor(readonly r: Refusal) {
    super(r.detail);
  }
}
const refuse = (r: Refusal): never => {
  throw new Refused(r);
};

/**
 * The record service (reference §4): create answers 204 with the new id only in `Location`,
 * upsert is `PUT …/eid:{externalId}`, references go in as `{id}` and come out as
 * `{id, refName, links}`, and item lines merge as NetSuite merges them: without `?replace=item`
 * the lines sent are appended to the saved ones (reference §4.2's line-merge trap).
 */
export function recordRoutes(state: NetSuiteState, origin: () => string): SimRoute[] {
  const link = (type: string, id: string) => [{ rel: 'self', href: `${origin()}${RECORD_PREFIX}/${type}/${id}` }];
  const created = (type: string, id: string): SimResponse => ({
    status: 204,
    headers: { location: `${origin()}${RECORD_PREFIX}/${type}/${id}` },
  });
  const guard = (fn: (req: SimRequest) => SimResponse) => (req: SimRequest) => {
    try {
      return fn(req);
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      return nsError(err.r.status, err.r.code, err.r.detail, { path: err.r.path });
    }
  };

  const ref = (value: unknown, path: string, exists: (id: string) => boolean, required = false): string | undefined => {
    if (value === undefined || value === null) {
      if (required) refuse({ status: 400, code: 'USER_ERROR', detail: `Please enter value(s) for: ${path}`, path });
      return undefined;
    }
    const id = typeof value === 'object' ? (value as { id?: unknown }).id : undefined;
    if (typeof id !== 'string' || !/^\d+$/.test(id))
      refuse({
        status: 400,
        code: 'INVALID_CONTENT',
        detail: `Invalid reference for ${path}: send {"id": "<internal id>"}`,
        path,
      });
    if (!exists(id as string))
      refuse({
        status: 400,
        code: 'INVALID_KEY_OR_REF',
        detail: `Invalid ${path} reference key ${id as string}.`,
        path,
      });
    return id as string;
  };

  /** Reads a transaction body into a record; `base` is the saved version an upsert updates. */
  const transactionFrom = (
    type: TransactionType,
    body: unknown,
    replaceItems: boolean,
    base?: NsTransaction,
  ): NsTransaction => {
    if (typeof body !== 'object' || body === null)
      refuse({ status: 400, code: 'INVALID_CONTENT', detail: 'The request body is not a JSON object.' });
    const b = body as Record<string, unknown>;
    const isLocation = (id: string) => state.locations.has(id);
    const entity = ref(b.entity, 'entity', (id) => state.customers.has(id), !base) ?? base!.entity;
    if (b.entity !== undefined && state.customers.get(entity)?.isInactive)
      refuse({
        status: 400,
        code: 'USER_ERROR',
        detail: `Invalid entity reference key ${entity}: customer ${state.customers.get(entity)!.entityId} is inactive.`,
        path: 'entity',
      });
    const tranDate = dateOf(b, base);
    const headerLocation = ref(b.location, 'location', isLocation) ?? base?.location;
    const sent = sublist(b, 'item');
    const keep = replaceItems || !base ? [] : base.lines;
    const lines: NsLine[] = [...keep];
    (sent ?? []).forEach((raw, i) => {
      const path = `item.items[${i}]`;
      const l = (raw ?? {}) as Record<string, unknown>;
      const item = ref(l.item, `${path}.item`, (id) => state.items.has(id), true)!;
      const quantity = l.quantity;
      if (typeof quantity !== 'number' || !Number.isFinite(quantity) || quantity <= 0)
        refuse({
          status: 400,
          code: 'INVALID_CONTENT',
          detail: `Invalid quantity ${String(quantity)}`,
          path: `${path}.quantity`,
        });
      const q = quantity as number;
      let amountCents: number | undefined;
      if (l.grossAmt !== undefined) amountCents = typeof l.grossAmt === 'number' ? parseCents(l.grossAmt) : undefined;
      else if (typeof l.rate === 'number') amountCents = parseCents(Math.round(q * l.rate * 100) / 100);
      if (amountCents === undefined)
        refuse({
          status: 400,
          code: 'INVALID_CONTENT',
          detail: 'A line needs grossAmt or rate, in currency units to the cent',
          path: `${path}.grossAmt`,
        });
      const location = ref(l.location, `${path}.location`, isLocation) ?? headerLocation;
      if (state.flags.locationMandatory && !location)
        refuse({
          status: 400,
          code: 'USER_ERROR',
          detail: 'Please enter value(s) for: Location',
          path: `${path}.location`,
        });
      lines.push({
        line: lines.length + 1,
        item,
        quantity: q,
        amountCents: amountCents!,
        location,
        description: typeof l.description === 'string' ? l.description : undefined,
        taxCode: typeof l.taxCode === 'object' ? (l.taxCode as { id?: string }).id : undefined,
      });
    });
    if (lines.length === 0)
      refuse({
        status: 400,
        code: 'USER_ERROR',
        detail: 'You must enter at least one line item for this transaction.',
        path: 'item',
      });
    const str = (k: string) => (typeof b[k] === 'string' ? (b[k] as string) : undefined);
    return {
      type,
      id: base?.id ?? '',
      externalId: base?.externalId,
      tranId: base?.tranId ?? '',
      entity,
      tranDate,
      otherRefNum: str('otherRefNum') ?? base?.otherRefNum,
      memo: str('memo') ?? base?.memo,
      subsidiary: (b.subsidiary as { id?: string } | undefined)?.id ?? base?.subsidiary,
      currency: (b.currency as { id?: string } | undefined)?.id ?? base?.currency,
      location: headerLocation,
      account: (b.account as { id?: string } | undefined)?.id ?? base?.account,
      lines,
      tranLines: [],
    };
  };

  const dateOf = (b: Record<string, unknown>, base?: NsTransaction): string => {
    const tranDate = b.tranDate ?? base?.tranDate;
    if (typeof tranDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(tranDate))
      refuse({
        status: 400,
        code: 'INVALID_CONTENT',
        detail: `Invalid date value for tranDate: ${String(tranDate)}`,
        path: 'tranDate',
      });
    if (state.flags.closedBefore && (tranDate as string) < state.flags.closedBefore)
      refuse({
        status: 400,
        code: 'USER_ERROR',
        detail: 'The transaction date you specified is within a closed period.',
        path: 'tranDate',
      });
    return tranDate as string;
  };

  const sublist = (b: Record<string, unknown>, name: string): unknown[] | undefined => {
    const sent = (b[name] as { items?: unknown } | undefined)?.items;
    if (sent !== undefined && !Array.isArray(sent))
      refuse({ status: 400, code: 'INVALID_CONTENT', detail: `${name}.items must be an array`, path: `${name}.items` });
    return sent as unknown[] | undefined;
  };

  const account = (value: unknown, path: string, required: boolean) =>
    ref(value, path, (id) => state.accounts.has(id), required);

  /** An inventory adjustment (reference §8.8): `inventory.items[]` with a location per line and a signed `adjustQtyBy`. */
  const adjustmentFrom = (body: unknown, replace: boolean, base?: NsTransaction): NsTransaction => {
    const b = (body ?? {}) as Record<string, unknown>;
    const tranDate = dateOf(b, base);
    const adjAccount = account(b.account, 'account', !base) ?? base!.account;
    const headerLocation = ref(b.adjLocation, 'adjLocation', (id) => state.locations.has(id)) ?? base?.location;
    const lines: NsLine[] = replace || !base ? [] : [...base.lines];
    (sublist(b, 'inventory') ?? []).forEach((raw, i) => {
      const path = `inventory.items[${i}]`;
      const l = (raw ?? {}) as Record<string, unknown>;
      const item = ref(l.item, `${path}.item`, (id) => state.items.has(id), true)!;
      const location = ref(l.location, `${path}.location`, (id) => state.locations.has(id)) ?? headerLocation;
      if (!location)
        refuse({
          status: 400,
          code: 'USER_ERROR',
          detail: 'Please enter value(s) for: Location',
          path: `${path}.location`,
        });
      if (typeof l.adjustQtyBy !== 'number' || !Number.isFinite(l.adjustQtyBy) || l.adjustQtyBy === 0)
        refuse({
          status: 400,
          code: 'INVALID_CONTENT',
          detail: `Invalid adjustQtyBy ${String(l.adjustQtyBy)}`,
          path: `${path}.adjustQtyBy`,
        });
      lines.push({ line: lines.length + 1, item, quantity: l.adjustQtyBy as number, amountCents: 0, location });
    });
    if (lines.length === 0)
      refuse({
        status: 400,
        code: 'USER_ERROR',
        detail: 'You must enter at least one line item for this transaction.',
        path: 'inventory',
      });
    return {
      type: 'inventoryAdjustment',
      id: base?.id ?? '',
      externalId: base?.externalId,
      tranId: base?.tranId ?? '',
      entity: '',
      tranDate,
      memo: typeof b.memo === 'string' ? b.memo : base?.memo,
      subsidiary: (b.subsidiary as { id?: string } | undefined)?.id ?? base?.subsidiary,
      location: headerLocation,
      account: adjAccount,
      lines,
      tranLines: [],
    };
  };

  /** A journal entry (reference §8.7): `line.items[]`, each an account with a positive debit or credit; debits equal credits. */
  const journalFrom = (body: unknown, replace: boolean, base?: NsTransaction): NsTransaction => {
    const b = (body ?? {}) as Record<string, unknown>;
    const tranDate = dateOf(b, base);
    const lines: NsJournalLine[] = replace || !base ? [] : [...(base.journalLines ?? [])];
    (sublist(b, 'line') ?? []).forEach((raw, i) => {
      const path = `line.items[${i}]`;
      const l = (raw ?? {}) as Record<string, unknown>;
      const acct = account(l.account, `${path}.account`, true)!;
      const amount = (k: 'debit' | 'credit') => {
        const v = l[k];
        if (v === undefined) return 0;
        const cents = typeof v === 'number' && v > 0 ? parseCents(v) : undefined;
        if (cents === undefined)
          refuse({ status: 400, code: 'INVALID_CONTENT', detail: `Invalid ${k} ${String(v)}`, path: `${path}.${k}` });
        return cents!;
      };
      const debitCents = amount('debit');
      const creditCents = amount('credit');
      if (debitCents > 0 === creditCents > 0)
        refuse({ status: 400, code: 'USER_ERROR', detail: 'Enter a debit or a credit on each line.', path });
      lines.push({
        account: acct,
        debitCents,
        creditCents,
        memo: typeof l.memo === 'string' ? l.memo : undefined,
        entity: ref(l.entity, `${path}.entity`, (id) => state.customers.has(id)),
        location: ref(l.location, `${path}.location`, (id) => state.locations.has(id)),
        department: (l.department as { id?: string } | undefined)?.id,
      });
    });
    if (lines.length === 0)
      refuse({
        status: 400,
        code: 'USER_ERROR',
        detail: 'You must enter at least one line for this transaction.',
        path: 'line',
      });
    const debits = lines.reduce((n, l) => n + l.debitCents, 0);
    const credits = lines.reduce((n, l) => n + l.creditCents, 0);
    if (debits !== credits)
      refuse({
        status: 400,
        code: 'USER_ERROR',
        detail: 'The total of debit entries must equal the total of credit entries.',
      });
    const tranId = typeof b.tranId === 'string' ? b.tranId : base?.tranId;
    return {
      type: 'journalEntry',
      id: base?.id ?? '',
      externalId: base?.externalId,
      tranId: tranId ?? '',
      entity: '',
      tranDate,
      memo: typeof b.memo === 'string' ? b.memo : base?.memo,
      subsidiary: (b.subsidiary as { id?: string } | undefined)?.id ?? base?.subsidiary,
      lines: [],
      journalLines: lines,
      tranLines: [],
    };
  };

  const recordFrom = (type: TransactionType, body: unknown, replace: boolean, base?: NsTransaction) =>
    type === 'inventoryAdjustment'
      ? adjustmentFrom(body, replace, base)
      : type === 'journalEntry'
        ? journalFrom(body, replace, base)
        : transactionFrom(type, body, replace, base);

  /** A user-event script re-saving the record while ours saves: NetSuite's optimistic-lock clash. */
  const recordChanged = () => {
    if (state.flags.recordChangedWrites <= 0) return;
    state.flags.recordChangedWrites--;
    refuse({ status: 400, code: 'USER_ERROR', detail: 'Record has been changed' });
  };

  const checkExternalId = (externalId: string) => {
    if (!EXTERNAL_ID.test(externalId))
      refuse({
        status: 400,
        code: 'INVALID_CONTENT',
        detail: `Invalid external ID '${externalId}': use letters, digits, _ and - only`,
        path: 'externalId',
      });
  };

  const save = (t: NsTransaction, previous?: NsTransaction) => state.save(t, previous);

  const create = guard((req) => {
    const type = req.params[0]!;
    if (!TRANSACTION_TYPES.includes(type))
      return nsError(405, 'INVALID_REQUEST', `The simulator creates only ${TRANSACTION_TYPES.join(', ')}.`);
    recordChanged();
    const b = (req.body ?? {}) as Record<string, unknown>;
    const externalId = typeof b.externalId === 'string' ? b.externalId : undefined;
    if (externalId !== undefined) {
      checkExternalId(externalId);
      const holder = state.byExternalId('transaction', externalId);
      if (holder)
        refuse({
          status: 400,
          code: 'USER_ERROR',
          detail: `This record already exists. (external ID ${externalId})`,
          path: 'externalId',
        });
    }
    const t = recordFrom(type as TransactionType, req.body, true);
    t.id = state.nextId('transaction');
    t.tranId ||= state.nextTranId(t.type);
    t.externalId = externalId;
    if (externalId) state.claimExternalId('transaction', externalId, { type: t.type, id: t.id });
    save(t);
    return created(type, t.id);
  });

  const upsert = guard((req) => {
    const [type, externalId] = req.params as [string, string];
    if (!TRANSACTION_TYPES.includes(type))
      return nsError(405, 'INVALID_REQUEST', `The simulator upserts only ${TRANSACTION_TYPES.join(', ')}.`);
    checkExternalId(externalId);
    recordChanged();
    const replace = (req.query.get('replace') ?? '').split(',').includes(sublistOf(type));
    const holder = state.byExternalId('transaction', externalId);
    if (holder && holder.type !== type)
      // The group shares one namespace: another transaction type holds the id.
      refuse({
        status: 400,
        code: 'USER_ERROR',
        detail: `This record already exists. (external ID ${externalId} is used by ${holder.type} ${holder.id})`,
        path: 'externalId',
      });
    const previous = holder ? state.transactions.get(holder.id) : undefined;
    const t = recordFrom(type as TransactionType, req.body, replace, previous);
    if (!previous) {
      t.id = state.nextId('transaction');
      t.tranId ||= state.nextTranId(t.type);
      t.externalId = externalId;
      state.claimExternalId('transaction', externalId, { type: t.type, id: t.id });
    }
    save(t, previous);
    return created(type, t.id);
  });

  const find = (type: string, key: string): { id: string } | undefined => {
    if (key.startsWith('eid:')) {
      const holder = state.byExternalId(GROUP_OF[type as NsRecordType], key.slice(4));
      return holder?.type === type ? holder : undefined;
    }
    return { id: key };
  };

  const get = guard((req) => {
    const [type, key] = req.params as [string, string];
    if (!READABLE_TYPES.includes(type))
      return nsError(404, 'NONEXISTENT_ID', `Record type ${type} is not served by the simulator.`);
    const id = find(type, key)?.id;
    const expand = req.query.get('expandSubResources') === 'true';
    const r = (refType: string, refId: string | undefined, refName: string) =>
      refId === undefined ? undefined : { id: refId, refName, links: link(refType, refId) };
    const notFound = nsError(404, 'NONEXISTENT_ID', 'Record does not exist.');
    if (id === undefined) return notFound;
    if (TRANSACTION_TYPES.includes(type)) {
      const t = state.transactions.get(id);
      if (!t || t.type !== type) return notFound;
      const loc = (l?: string) => r('location', l, state.locations.get(l ?? '')?.name ?? '');
      return {
        status: 200,
        body: {
          links: link(type, t.id),
          id: t.id,
          externalId: t.externalId,
          tranId: t.tranId,
          tranDate: t.tranDate,
          otherRefNum: t.otherRefNum,
          memo: t.memo,
          entity: r('customer', t.entity, state.customers.get(t.entity)?.entityId ?? ''),
          location: loc(t.location),
          total: state.totalCents(t) / 100,
          item: expand
            ? {
                links: link(type, `${t.id}/item`),
                items: t.lines.map((l) => ({
                  links: [],
                  line: l.line,
                  item: r('inventoryItem', l.item, state.items.get(l.item)?.itemId ?? ''),
                  quantity: l.quantity,
                  grossAmt: l.amountCents / 100,
                  location: loc(l.location),
                  description: l.description,
                })),
              }
            : { links: link(type, `${t.id}/item`) },
        },
      };
    }
    const rec =
      type === 'customer'
        ? state.customers.get(id)
        : type === 'location'
          ? state.locations.get(id)
          : state.items.get(id);
    if (!rec) return notFound;
    return { status: 200, body: { links: link(type, id), ...rec } };
  });

  const remove = guard((req) => {
    const [type, key] = req.params as [string, string];
    if (!TRANSACTION_TYPES.includes(type))
      return nsError(405, 'INVALID_REQUEST', `The simulator deletes only ${TRANSACTION_TYPES.join(', ')}.`);
    const id = find(type, key)?.id;
    const t = id === undefined ? undefined : state.transactions.get(id);
    if (!t || t.type !== type) return nsError(404, 'NONEXISTENT_ID', 'Record does not exist.');
    recordChanged();
    if (state.flags.closedBefore && t.tranDate < state.flags.closedBefore)
      refuse({ status: 400, code: 'USER_ERROR', detail: 'You cannot delete a transaction in a closed period.' });
    state.applyStock(t, -1);
    state.transactions.delete(t.id);
    state.releaseExternalId('transaction', t.externalId);
    return { status: 204 };
  });

  const P = RECORD_PREFIX.replaceAll('/', '\\/');
  return [
    { method: 'POST', pattern: new RegExp(`^${P}\\/([A-Za-z]+)$`), handler: create, write: true },
    { method: 'PUT', pattern: new RegExp(`^${P}\\/([A-Za-z]+)\\/eid:([^/]+)$`), handler: upsert, write: true },
    { method: 'GET', pattern: new RegExp(`^${P}\\/([A-Za-z]+)\\/((?:eid:)?[^/]+)$`), handler: get },
    { method: 'DELETE', pattern: new RegExp(`^${P}\\/([A-Za-z]+)\\/((?:eid:)?[^/]+)$`), handler: remove, write: true },
  ];
}
