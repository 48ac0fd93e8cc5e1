import { access, constants, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

/**
 * Headless Chromium (Debian's `chromium` package) for the tests and the docs' screenshots of the
 * operators' pages: a fresh profile each time, and nothing that calls out of the machine.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser & { cleanup(): Promise<void> }> {
  // Say what to install rather than puppeteer's spawn ENOENT: no browser is downloaded here.
  await access(CHROMIUM, constants.X_OK).catch(() => {
    throw new Error(
      `No Chromium at ${CHROMIUM}: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH to one`,
    );
  });
  const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
    ],
  });
  return Object.assign(browser, {
    async cleanup() {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    },
  });
}
