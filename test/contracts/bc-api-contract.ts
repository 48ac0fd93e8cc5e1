/**
 * Writes test/contracts/business-central-api-v2.json: per API v2.0 entity set the connector and
 * the simulator use, its JSON field names and its parts (expandable or deep-insertable navigation
 * names), read from Microsoft's own page sources in microsoft/BCApps. Only names are kept.
 *
 *   npx tsx test/contracts/bc-api-contract.ts <path to a clone or bare mirror of microsoft/BCApps>
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PAGES = 'src/Apps/W1/APIV2/app/src/pages';
/** What the connector reads or writes, and what the simulator serves in their place. */
const ENTITY_SETS = [
  'customers',
  'items',
  'itemVariants',
  'itemCategories',
  'locations',
  'itemLedgerEntries',
  'salesOrders',
  'salesOrderLines',
  'salesInvoices',
  'salesInvoiceLines',
  'salesCreditMemos',
  'salesCreditMemoLines',
  'journals',
  'journalLines',
  'generalLedgerEntries',
  'accounts',
];

const repo = process.argv[2];
if (!repo) throw new Error('usage: tsx test/contracts/bc-api-contract.ts <path to microsoft/BCApps>');
const git = (...args: string[]): string =>
  execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
const commit = git('rev-parse', 'HEAD').trim();

interface Page {
  name: string;
  entitySetName?: string;
  fields: string[];
  /** Part name -> the page it shows. */
  parts: Record<string, string>;
}

const property = (text: string, name: string): string | undefined =>
  new RegExp(`^\\s*${name}\\s*=\\s*'([^']+)'`, 'im').exec(text)?.[1];

function parsePage(source: string): Page | undefined {
  const header = /^\s*page\s+\d+\s+"([^"]+)"/im.exec(source);
  if (!header) return undefined;
  const layoutAt = source.search(/^\s*layout\b/im);
  const head = layoutAt < 0 ? source : source.slice(0, layoutAt);
  const layout = layoutAt < 0 ? '' : source.slice(layoutAt);
  const fields = [...layout.matchAll(/^\s*field\(\s*"?([A-Za-z0-9_]+)"?\s*;/gm)].map((m) => m[1]!);
  const parts = Object.fromEntries(
    [...layout.matchAll(/^\s*part\(\s*"?([A-Za-z0-9_]+)"?\s*;\s*"([^"]+)"\s*\)/gm)].map((m) => [m[1]!, m[2]!]),
  );
  return { name: header[1]!, entitySetName: property(head, 'EntitySetName'), fields, parts };
}

const files = git('ls-tree', '--name-only', `${commit}:${PAGES}`)
  .split('\n')
  .filter((f) => f.endsWith('.Page.al'));
const pages = files.map((f) => parsePage(git('show', `${commit}:${join(PAGES, f)}`))).filter((p) => p !== undefined);
const byName = new Map(pages.map((p) => [p.name, p]));

const entitySets: Record<string, { fields: string[]; parts: Record<string, string | null> }> = {};
for (const set of ENTITY_SETS) {
  const matches = pages.filter((p) => p.entitySetName === set);
  if (matches.length !== 1) throw new Error(`${set}: ${matches.length} API v2.0 pages, expected 1`);
  const page = matches[0]!;
  entitySets[set] = {
    fields: [...new Set(page.fields)].sort(),
    // A part by its navigation name, with the entity set of the page it shows (null: not a v2.0 API page).
    parts: Object.fromEntries(
      Object.entries(page.parts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([part, pageName]) => [part, byName.get(pageName)?.entitySetName ?? null]),
    ),
  };
}

const out = join(import.meta.dirname, 'business-central-api-v2.json');
const fixture = { source: { repository: 'microsoft/BCApps', commit, path: PAGES }, entitySets };
writeFileSync(out, `${JSON.stringify(fixture, null, 2)}\n`);
console.log(`wrote ${out}: ${ENTITY_SETS.length} entity sets from microsoft/BCApps@${commit}`);
