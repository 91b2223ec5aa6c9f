// Headless Debian Chromium driven by playwright-core, for the dashboard tests and bench: a
// fresh profile every time, and the flags this machine's closed network needs.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.AGORA_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = 'test-artifacts';

/** false when a browser can run here, else why not (node:test prints it as the skip reason). */
export function browserUnavailable(): string | false {
  return existsSync(CHROMIUM_PATH) ? false : `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set AGORA_CHROMIUM)`;
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchBrowser(options: { width?: number; height?: number } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'agora-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: options.width ?? 1440, height: options.height ?? 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the dashboard and logs in with the operator token, as a person would. */
export async function logIn(page: Page, url: string, operator_token: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.fill('input[name=token]', operator_token);
  await page.click('button[type=submit]');
  await page.waitForSelector('nav.sidebar');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
