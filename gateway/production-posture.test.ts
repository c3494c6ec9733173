/**
 * What the gateway shows strangers in production (IDE off, introspection off): no IDE page, no
 * schema through introspection, no field names through "Did you mean …" (over HTTP and graphql-ws
 * alike) — against the development posture, where all three are on. Real gateways on port 0; no
 * subgraph is needed for any of it.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startGatewayAlone } from '../test/support/gateway-alone';
import type { RunningGateway } from './server';

const start = (posture: { introspection: boolean; ide?: { devUserId?: string } }) => startGatewayAlone(posture);

const query = async (gateway: RunningGateway, text: string, variables?: Record<string, unknown>) => {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: text, variables }),
  });
  return (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
};

/** One operation over a real graphql-ws client; resolves with the errors it was refused with. */
const refusedOverWebSocket = async (gateway: RunningGateway, text: string) => {
  const client = createClient({ url: gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
  try {
    return await new Promise<{ message: string; extensions?: { code?: string } }[]>((resolve, reject) =>
      client.subscribe(
        { query: text },
        {
          next: (result) => reject(new Error(`answered ${JSON.stringify(result)}`)),
          error: resolve as never,
          complete: () => reject(new Error('completed')),
        },
      ),
    );
  } finally {
    await client.dispose();
  }
};

describe('gateway posture', () => {
  let production: RunningGateway;
  let development: RunningGateway;

  beforeAll(async () => {
    production = await start({ introspection: false });
    development = await start({ introspection: true, ide: { devUserId: 'user-0001' } });
  });

  afterAll(async () => {
    await production?.close();
    await development?.close();
  });

  it('sends a browser no IDE page and no IDE files in production', async () => {
    const page = await fetch(production.url, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).not.toMatch(/html/);
    expect(await page.text()).not.toContain('GraphiQL');
    expect((await fetch(production.url.replace('/graphql', '/ide/ide.js'))).status).toBe(404);
    expect(await (await fetch(development.url, { headers: { accept: 'text/html' } })).text()).toContain('ide.js');
  });

  it('answers introspection in development only', async () => {
    const introspection = '{ __schema { queryType { name } } }';
    expect(await query(development, introspection)).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    const refused = await query(production, introspection);
    expect(refused.data).toBeUndefined();
    expect(refused.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('suggests field names in development only', async () => {
    const typo = '{ prodcts(first: 1) { edges { node { id } } } }';
    expect((await query(development, typo)).errors?.[0].message).toMatch(/Did you mean "products"/);
    const hidden = await query(production, typo);
    expect(hidden.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(hidden.errors?.[0].message).not.toMatch(/Did you mean|products/);
  });

  it("suggests enum values for a variable's value in development only", async () => {
    const operation = 'query ($where: RecommendationPlacement!) { user(id: "user-0001") { recommendations(context: $where) { score } } }';
    const shown = await query(development, operation, { where: 'HOM' });
    expect(shown.errors?.[0].message).toMatch(/Did you mean the enum value "HOME"/);
    const hidden = await query(production, operation, { where: 'HOM' });
    expect(hidden.errors).toHaveLength(1);
    expect(hidden.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(hidden.errors?.[0].message).toMatch(/^Variable "\$where" got invalid value "HOM"/);
    expect(hidden.errors?.[0].message).not.toMatch(/Did you mean|HOME/);
  });

  it('suggests field names over graphql-ws in development only, as over HTTP', async () => {
    for (const [typo, suggested] of [
      ['{ prodcts(first: 1) { edges { node { id } } } }', 'products'],
      ['subscription { recommendationsUpdate(userId: "user-0001") { trigger } }', 'recommendationsUpdated'],
    ]) {
      const shown = await refusedOverWebSocket(development, typo);
      expect(shown[0].message).toContain(`Did you mean "${suggested}"`);
      const hidden = await refusedOverWebSocket(production, typo);
      expect(hidden).toHaveLength(1);
      expect(hidden[0].message).toMatch(/^Cannot query field "\w+" on type "(Query|Subscription)"\.$/);
      expect(hidden[0].message).not.toMatch(/Did you mean|products|recommendationsUpdated/);
    }
  });
});
