import { parseArgs } from 'node:util';
import { loadEnv } from '../config/env';
import { basicAuth } from '../connectors/http';
import { runMain } from '../bootstrap/entrypoint';
import type { HealthSnapshot } from '../client/store-health';
import { renderHealthText } from './health-render';
import { catalogueCommand, CATALOGUE_USAGE } from './ops-catalogue';
import { resolveCommand, RESOLVE_USAGE } from './ops-resolve';

/**
 * `npm run ops -- health [--store S02] [--date yyyy-mm-dd] [--json]`: the store health page's
 * snapshot in a terminal. It reads the page's `/health.json` (OPS_URL, OPS_USERNAME,
 * OPS_PASSWORD), so what it prints is what the page shows, events included, which only the
 * receiver counts; and it needs no Temporal credentials, only the page's.
 *
 * `npm run ops -- resolve --query ... --action ... --reason ...`: bulk resolution (ops-resolve.ts),
 * which needs Temporal's connection settings and the payload keys, and not the page's.
 *
 * `npm run ops -- catalogue push ...`: products pushed from the master now (ops-catalogue.ts).
 */
const HEALTH_USAGE = 'usage: npm run ops -- health [--store S02] [--date yyyy-mm-dd] [--json]';

runMain(async () => {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'health') process.exitCode = await health(args);
  else if (command === 'resolve') process.exitCode = await resolveCommand(args);
  else if (command === 'catalogue') process.exitCode = await catalogueCommand(args);
  else {
    console.error(`${HEALTH_USAGE}\n${RESOLVE_USAGE}\n${CATALOGUE_USAGE}`);
    process.exitCode = 2;
  }
});

async function health(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { store: { type: 'string' }, date: { type: 'string' }, json: { type: 'boolean', default: false } },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${HEALTH_USAGE}`);
    return 2;
  }
  const env = loadEnv('ops-cli');
  const url = new URL('/health.json', env.OPS_URL);
  if (values.store) url.searchParams.set('store', values.store);
  if (values.date) url.searchParams.set('date', values.date);
  const res = await fetch(url, { headers: { authorization: basicAuth(env.OPS_USERNAME, env.OPS_PASSWORD) } });
  const body = (await res.json().catch(() => undefined)) as (HealthSnapshot & { error?: string }) | undefined;
  if (!res.ok || !body) {
    console.error(`${url.origin} answered ${res.status}: ${body?.error ?? res.statusText}`);
    return 1;
  }
  console.log(values.json ? JSON.stringify(body, null, 2) : renderHealthText(body));
  return 0;
}
