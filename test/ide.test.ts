/**
 * The GraphQL IDE a newcomer is sent to, in a real browser with every request beyond this
 * machine refused: it loads from the gateway alone, starts with the dev token in its headers,
 * and runs a query over HTTP and a subscription over graphql-ws with that token.
 */
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { eventually } from './support/eventually';
import { startTestPlatform, type TestPlatform } from './support/platform';

/** GraphiQL 3's editors are CodeMirror 5 instances, reachable from their element. */
interface EditorElement {
  CodeMirror: { getValue(): string; setValue(value: string): void };
}
type PageGlobals = { document: { querySelector(css: string): EditorElement } };
const editorAt = (css: string) => (globalThis as unknown as PageGlobals).document.querySelector(`${css} .CodeMirror`).CodeMirror;

const editorValue = (page: Page, selector: string) =>
  page.evaluate(`(${editorAt})(${JSON.stringify(selector)}).getValue()`) as Promise<string>;
const setQuery = (page: Page, query: string) => page.evaluate(`(${editorAt})('.graphiql-query-editor').setValue(${JSON.stringify(query)})`);

describe('GraphQL IDE', () => {
  let t: TestPlatform;
  let browser: Browser;
  let page: Page;
  const offMachine: string[] = [];

  beforeAll(async () => {
    t = await startTestPlatform({ seed: 11, users: 20, products: 100, orders: 100 });
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.route('**/*', (route) => {
      const { hostname } = new URL(route.request().url());
      if (hostname === '127.0.0.1' || hostname === 'localhost') return route.continue();
      offMachine.push(route.request().url());
      return route.abort();
    });
    await page.goto(t.url);
    await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 15_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('loads from the gateway alone, with the dev token in its headers', async () => {
    expect(offMachine).toEqual([]);
    const headers = JSON.parse(await editorValue(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)'));
    expect(headers.Authorization).toMatch(/^Bearer \S+$/);
  });

  it('runs a query as the dev user', async () => {
    await setQuery(page, '{ me { id name } products(first: 2) { edges { node { name } } } }');
    await page.click('.graphiql-execute-button');
    const response = await eventually(
      async () => editorValue(page, '.graphiql-response'),
      (text) => text.includes('"me"'),
      10_000,
    );
    const { data, errors } = JSON.parse(response);
    expect(errors).toBeUndefined();
    expect(data.me.id).toBe('user-0001');
    expect(data.products.edges).toHaveLength(2);
    await page.screenshot({ path: '.bench/ide.png' });
  });

  it('runs a subscription over graphql-ws with the same token', async () => {
    await setQuery(page, 'subscription { recommendationsUpdated(userId: "user-0001") { trigger items { product { name } } } }');
    await page.click('.graphiql-execute-button');
    await eventually(
      async () => t.platform.gateway.hub.upstreamCount,
      (count) => count === 1,
      10_000,
    );
    await t.placeOrder(await t.token('user-0001'), 'ide-order');
    const response = await eventually(
      async () => editorValue(page, '.graphiql-response'),
      (text) => text.includes('ORDER_PLACED'),
      10_000,
    );
    expect(JSON.parse(response).data.recommendationsUpdated.items.length).toBeGreaterThan(0);
    expect(offMachine).toEqual([]);
  });

  it('still answers API clients on GET /graphql', async () => {
    const response = await fetch(`${t.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
