import { parseArgs } from 'node:util';
import { loadEnv } from '../config/env';
import { basicAuth } from '../connectors/http';
import { runMain } from '../bootstrap/entrypoint';
import type { HealthSnapshot } from '../client/store-health';
import { renderHealthText } from './health-render';

/**
 * `npm run ops -- health [--store S02] [--date yyyy-mm-dd] [--json]`: the store health page's
 * snapshot in a terminal. It reads the page's `/health.json` (OPS_URL, OPS_USERNAME,
 * OPS_PASSWORD), so what it prints is what the page shows, events included, which only the
 * receiver counts; and it needs no Temporal credentials, only the page's.
 */
const USAGE = 'usage: npm run ops -- health [--store S02] [--date yyyy-mm-dd] [--json]';

runMain(async () => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { store: { type: 'string' }, date: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (positionals[0] !== 'health' || positionals.length > 1) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const env = loadEnv('ops-cli');
  const url = new URL('/health.json', env.OPS_URL);
  if (values.store) url.searchParams.set('store', values.store);
  if (values.date) url.searchParams.set('date', values.date);
  const res = await fetch(url, { headers: { authorization: basicAuth(env.OPS_USERNAME, env.OPS_PASSWORD) } });
  const body = (await res.json().catch(() => undefined)) as (HealthSnapshot & { error?: string }) | undefined;
  if (!res.ok || !body) {
    console.error(`${url.origin} answered ${res.status}: ${body?.error ?? res.statusText}`);
    process.exitCode = 1;
    return;
  }
  console.log(values.json ? JSON.stringify(body, null, 2) : renderHealthText(body));
});
