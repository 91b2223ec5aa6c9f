// The dashboard's first page in headless Chromium, timed: from navigation (logged in: the token
// is in sessionStorage before the page's own script runs) until the world page shows its data:
// the numbers, the charts drawn from the series (with every point), and the history card.
// Shared by the dashboard benches; `beforeLoad` lets a bench change the world between loads
// (a live world commits all the time, so the API's read cache is cold at each load).
import type { Page } from 'playwright-core';
import { launchBrowser } from '../test/support/browser.js';

export interface FirstPageTimes {
  /** In-page ms from navigation start to data drawn, per load (the first with a fresh profile). */
  in_page_ms: number[];
  /** The same seen from the driver (goto to detection), per load. */
  driver_ms: number[];
  /** In-page ms from navigation start until the browser sent the page's request (its own start-up, before anything of ours), per load. */
  request_start_ms: number[];
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function timeFirstPage(options: { url: string; operator_token: string; expected_points: number; loads: number; beforeLoad?: () => void }): Promise<FirstPageTimes> {
  const browser = await launchBrowser();
  try {
    const { page, context } = browser;
    // (A string, not a function: the TypeScript loader would decorate a function's inner
    // functions with helpers the page does not have.)
    await context.addInitScript(`
      sessionStorage.setItem('agora.operator_token', ${JSON.stringify(options.operator_token)});
      const observer = new MutationObserver(() => {
        const chart = document.querySelector('[data-chart=population]');
        const drawn = chart !== null && Number(chart.getAttribute('data-points')) === ${options.expected_points} && chart.querySelector('canvas') !== null;
        if (drawn && document.querySelector('[data-chart=credits] canvas') !== null && document.querySelector('[data-testid=stat-alive] .stat-value') !== null
            && document.querySelector('[data-testid=history-hashed]') !== null) {
          window.__rendered_ms = performance.now();
          observer.disconnect();
        }
      });
      observer.observe(document, { subtree: true, childList: true, attributes: true });
    `);
    const out: FirstPageTimes = { in_page_ms: [], driver_ms: [], request_start_ms: [] };
    for (let i = 0; i < options.loads; i++) {
      if (i > 0) await page.goto('about:blank');
      options.beforeLoad?.();
      const started = performance.now();
      await page.goto(`${options.url}/#/overview`);
      const rendered = await waitRendered(page);
      out.driver_ms.push(performance.now() - started);
      out.in_page_ms.push(rendered);
      out.request_start_ms.push(await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).requestStart));
    }
    return out;
  } finally {
    await browser.close();
  }
}

async function waitRendered(page: Page): Promise<number> {
  const handle = await page.waitForFunction(() => (window as unknown as { __rendered_ms?: number }).__rendered_ms, null, { polling: 50, timeout: 30_000 });
  return Number(await handle.jsonValue());
}

/** A route's median time over HTTP, `runs` requests in a row. */
export async function timeRoute(url: string, token: string, runs: number, beforeEach?: () => void): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    beforeEach?.();
    const started = performance.now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    times.push(performance.now() - started);
  }
  return median(times);
}
