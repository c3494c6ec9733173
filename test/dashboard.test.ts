/**
 * The live dashboard in a real browser (Chromium driven by playwright-core): it subscribes
 * through the gateway, and an order placed meanwhile shows up on the page.
 */
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { eventually } from './support/eventually';
import { startTestPlatform, type TestPlatform } from './support/platform';

describe('live dashboard', () => {
  let t: TestPlatform;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestPlatform({ seed: 9, users: 30, products: 150, orders: 200 });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows an update with its trigger and latency when the watched user places an order', async () => {
    const userId = 'user-0002';
    const token = await t.token(userId);
    const page = await browser.newPage();
    const origin = t.url.replace('/graphql', '');
    await page.goto(`${origin}/dashboard?user=${userId}&token=${encodeURIComponent(token)}`);
    await page.waitForSelector('#status[data-state="live"]', { timeout: 10_000 });
    await page.waitForSelector('#items tbody tr');
    // 'live' means connected; wait until the subscription itself reached the subgraph.
    await eventually(
      async () => t.platform.gateway.hub.upstreamCount,
      (count) => count === 1,
    );

    await t.placeOrder(token, 'dashboard-order');

    const row = await page.waitForSelector('#log tbody tr[data-trigger="ORDER_PLACED"]', { timeout: 5_000 });
    const text = await row.innerText();
    expect(text).toMatch(/ORDER_PLACED\s+\d+ ms/);
    expect(await page.locator('#items tbody tr').count()).toBe(10);
    fs.mkdirSync('.bench', { recursive: true });
    await page.screenshot({ path: '.bench/dashboard.png', fullPage: true });
    await page.close();
  });

  it('keeps showing recommendations, without product details, while the products service is down', async () => {
    const userId = 'user-0003';
    const token = await t.token(userId);
    await t.platform.stopSubgraph('products');
    // @sparticuz/chromium runs --single-process: a page opened after another closed can hang, so a browser of its own.
    const own = await launchBrowser();
    try {
      const page = await own.newPage();
      const origin = t.url.replace('/graphql', '');
      await page.goto(`${origin}/dashboard?user=${userId}&token=${encodeURIComponent(token)}`);
      await page.waitForSelector('#status[data-state="live"]', { timeout: 10_000 });
      const first = await page.waitForSelector('#items tbody tr');
      expect(await first.innerText()).toContain('(product details unavailable)');
      expect(await first.innerText()).toContain('products unavailable');
      expect(await page.locator('#notice').innerText()).toContain('products');
    } finally {
      await own.close();
      await t.platform.restartSubgraph('products');
    }
  });
});
