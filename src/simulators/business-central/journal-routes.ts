import type { SimHandler, SimRequest, SimResponse, SimRoute } from '../http-server';
import type { EntitySet } from './entities';
import { journalLines, journals } from './gl-entities';
import { createJournal, createJournalLine, postJournal } from './journals';
import { BcError, collectionResponse, entityResponse, jsonBody, keyParam, type EntitySetSpec } from './odata';
import { checkIfMatch, requireIfMatch } from './sales';
import type { BcJournal, BusinessCentralState } from './state';

/** What routes.ts shares with this file, so both build routes, specs and 201s the same way. */
export interface RouteKit {
  state: BusinessCentralState;
  pageSize: number;
  /** Pattern after `companies({id})`; the handler runs after the company check. */
  route(method: string, rest: string, handler: SimHandler, write?: boolean): SimRoute;
  spec(req: SimRequest, set: EntitySet<unknown>, path: string): EntitySetSpec;
  created(req: SimRequest, response: SimResponse, id: string): SimResponse;
}

const KEY = String.raw`\(([^)/]*)\)`;

/**
 * journals (batches), their journalLines and the `post` action. Lines are served per journal:
 * BC refuses a top-level journalLines query that names neither the journal nor the line.
 */
export function journalRoutes({ state, pageSize, route, spec, created }: RouteKit): SimRoute[] {
  const journal = (req: SimRequest): BcJournal => {
    const id = keyParam(req.params[2]);
    const found = state.journals.get(id);
    if (!found)
      throw new BcError(404, 'BadRequest_NotFound', `The General Journal Batch with ID ${id} cannot be found.`);
    return found;
  };
  const linesSpec = (req: SimRequest, j: BcJournal) =>
    spec(req, journalLines as EntitySet<unknown>, `journals(${j.id})/journalLines`);

  return [
    route('GET', `/journals${KEY}/journalLines`, (req) => {
      const j = journal(req);
      return collectionResponse(
        req,
        linesSpec(req, j),
        j.lines.map((l) => journalLines.row(state, l)),
        pageSize,
      );
    }),
    route('GET', '/journalLines', (req) => {
      if (!/\b(journalId|id)\s+eq\b/.test(req.query.get('$filter') ?? '')) {
        throw new BcError(
          400,
          'Application_DialogException',
          'You must specify a journal batch ID or a journal ID to get a journal line.',
        );
      }
      return collectionResponse(
        req,
        spec(req, journalLines as EntitySet<unknown>, 'journalLines'),
        journalLines.all(state).map((l) => journalLines.row(state, l)),
        pageSize,
      );
    }),
    route(
      'POST',
      '/journals',
      (req) => {
        const j = createJournal(state, jsonBody(req));
        return created(
          req,
          entityResponse(req, spec(req, journals as EntitySet<unknown>, 'journals'), journals.row(state, j), 201),
          j.id,
        );
      },
      true,
    ),
    route(
      'POST',
      `/journals${KEY}/journalLines`,
      (req) => {
        const j = journal(req);
        const line = createJournalLine(state, j, jsonBody(req));
        return created(req, entityResponse(req, linesSpec(req, j), journalLines.row(state, line), 201), line.id);
      },
      true,
    ),
    // A draft line can be deleted, as on the journal page: how a duplicate or a stray line is taken back.
    route(
      'DELETE',
      `/journals${KEY}/journalLines${KEY}`,
      (req) => {
        const j = journal(req);
        const id = keyParam(req.params[3]);
        const line = j.lines.find((l) => l.id === id);
        if (!line) throw new BcError(404, 'BadRequest_NotFound', `The journalLine with id '${id}' does not exist.`);
        requireIfMatch(req.headers['if-match'], String(journalLines.row(state, line).view['@odata.etag']));
        j.lines.splice(j.lines.indexOf(line), 1);
        state.touch(j);
        return { status: 204 };
      },
      true,
    ),
    route(
      'POST',
      `/journals${KEY}/Microsoft\\.NAV\\.post`,
      (req) => {
        const j = journal(req);
        checkIfMatch(req.headers['if-match'], String(journals.row(state, j).view['@odata.etag']));
        postJournal(state, j);
        return { status: 204 };
      },
      true,
    ),
  ];
}
