import type { SimRequest, SimResponse, SimRoute } from '../http-server';
import { envelope, guarded, intList, single } from './rest';
import type { SitooState } from './state';

/** Site settings, POS payment types, cash registers and Z-reports (sitoo-api.md §6, §8, §10). */
export function dayRoutes(
  state: SitooState,
  base: string,
  site: string,
  siteMissing: (req: SimRequest) => SimResponse | undefined,
): SimRoute[] {
  const day = state.day;
  const strings = (q: URLSearchParams, name: string): string[] | undefined =>
    q
      .get(name)
      ?.split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  return [
    {
      method: 'GET',
      pattern: new RegExp(`${site}/settings\\.json$`),
      handler: guarded((req) => siteMissing(req) ?? single(req.query, day.settings)),
    },
    // A bare array, like the Z-reports (sitoo-api.md §2.1).
    {
      method: 'GET',
      pattern: new RegExp(`${site}/pospaymenttypes\\.json$`),
      handler: guarded((req) => siteMissing(req) ?? { status: 200, body: day.paymentTypes }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${site}/cashregisters\\.json$`),
      handler: guarded((req) => siteMissing(req) ?? envelope(req.query, day.cashRegisters())),
    },
    {
      method: 'GET',
      // The reference shows this path without `.json`, unlike every other one; both are answered.
      pattern: new RegExp(`${base}/pos-z-reports(?:\\.json)?$`),
      handler: guarded((req) => {
        const q = req.query;
        const body = day.listZReports({
          eshopIds: intList(q, 'eshopid'),
          storeIds: strings(q, 'store_id'),
          registerIds: strings(q, 'registerid'),
          addedFrom: intList(q, 'dateaddedfrom')?.[0],
          addedTo: intList(q, 'dateaddedto')?.[0],
        });
        return { status: 200, body };
      }),
    },
  ];
}
