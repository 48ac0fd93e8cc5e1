import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launchChromium } from '../local/browser';
import { PROJECT_ROOT } from '../local/temporal-cli';

/**
 * `npm run docs:screenshots`: the store health page of the running demo (`npm run demo --
 * --keep-running`, which leaves where to find it in .data/demo/ops.json; or OPS_URL,
 * OPS_USERNAME, OPS_PASSWORD) in headless Chromium, saved as docs/screenshots/health-page.png.
 */
async function main() {
  const saved = await readFile(join(PROJECT_ROOT, '.data', 'demo', 'ops.json'), 'utf8')
    .then((s) => JSON.parse(s) as { url: string; username: string; password: string })
    .catch(() => undefined);
  const url = process.env.OPS_URL ?? saved?.url;
  const username = process.env.OPS_USERNAME ?? saved?.username ?? 'ops';
  const password = process.env.OPS_PASSWORD ?? saved?.password;
  if (!url || !password) throw new Error('no running demo found: start `npm run demo -- --keep-running` first');
  const out = join(PROJECT_ROOT, 'docs', 'screenshots');
  await mkdir(out, { recursive: true });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.authenticate({ username, password });
    await page.setViewport({ width: 1440, height: 900 });
    const res = await page.goto(`${url}/`);
    if (res?.status() !== 200) throw new Error(`the health page answered ${res?.status()}`);
    await page.screenshot({ path: join(out, 'health-page.png'), fullPage: true });
    process.stderr.write(`wrote ${join('docs', 'screenshots', 'health-page.png')}\n`);
  } finally {
    await browser.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
