import type { SimRequest, SimResponse } from '../http-server';
import { SitooInputError } from './common';

/** REST plumbing every Sitoo route shares: error body, query parsing, list envelope. */

/** Sitoo's error body (sitoo-api.md §2.3). */
export function sitooError(status: number, errortext: string, headers?: Record<string, string>): SimResponse {
  return { status, body: { statuscode: status, errortext }, headers };
}

export class BadQuery extends Error {}

export function intList(q: URLSearchParams, name: string): number[] | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  return raw.split(',').map((v) => {
    if (!/^-?\d+$/.test(v.trim())) throw new BadQuery(`${name} must be a comma-separated list of integers`);
    return Number(v);
  });
}

export function int(q: URLSearchParams, name: string, fallback: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new BadQuery(`${name} must be a non-negative integer`);
  return Number(raw);
}

/** `{totalcount, items}` with `start`/`num` paging and `fields` projection, as every Sitoo list does. */
export function envelope<T extends object>(q: URLSearchParams, all: T[]): SimResponse {
  const start = int(q, 'start', 0);
  const num = int(q, 'num', 10);
  const fields = fieldList(q);
  const page = all.slice(start, start + num).map((item) => (fields ? pick(item, fields) : item));
  return { status: 200, body: { totalcount: all.length, items: page } };
}

/** One resource, projected by `fields` when asked. */
export function single(q: URLSearchParams, item: object): SimResponse {
  const fields = fieldList(q);
  return { status: 200, body: fields ? pick(item, fields) : item };
}

function fieldList(q: URLSearchParams): string[] | undefined {
  const fields = q
    .get('fields')
    ?.split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  return fields?.length ? fields : undefined;
}

export function pick(item: object, fields: string[]): Record<string, unknown> {
  const source = item as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in source) out[f] = source[f];
  return out;
}

/** Wraps a handler so query mistakes and refused writes come back as Sitoo 400s, not simulator bugs. */
export function guarded(handler: (req: SimRequest) => SimResponse): (req: SimRequest) => SimResponse {
  return (req) => {
    try {
      return handler(req);
    } catch (err) {
      if (err instanceof BadQuery || err instanceof SitooInputError) return sitooError(400, err.message);
      throw err;
    }
  };
}
