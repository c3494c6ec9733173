/**
 * Subgraph fetch metrics as the gateway's fetch steps record them, through a real data source
 * against real HTTP servers: entity-cache hits, partials and misses are all timed under their
 * cache label, and the errors a client's fetch answers with are counted by code, an unreachable
 * subgraph's SERVICE_UNAVAILABLE included.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'graphql';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import pino from 'pino';
import { registry } from '../../../../platform/metrics';
import { subgraphFetchPlugins } from '..';
import { SubgraphSource } from '../../../pipeline/apollo-adapter';
import type { RequestState } from '../../../pipeline/request-state';
import { Pipeline } from '../../../pipeline/runner';
import { SUPERGRAPH_SDL } from '../../../supergraph';
import { EntityCache } from '../entity-cache/cache';
import { CacheableSchema } from '../entity-cache/schema';
import { MemoryStore } from '../entity-cache/store';

const ENTITY_QUERY =
  'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { __typename id name } } }';
const product = (id: string) => ({ __typename: 'Product', id });

function incoming(variables: Record<string, unknown>): GraphQLDataSourceProcessOptions<RequestState> {
  return {
    kind: 'incoming operation',
    request: { query: ENTITY_QUERY, variables },
    incomingRequestContext: {},
    context: { viewer: { roles: [] } },
    document: parse(ENTITY_QUERY),
  } as unknown as GraphQLDataSourceProcessOptions<RequestState>;
}

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

const close = (server: http.Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** Sum of a series' samples whose labels include `labels`. */
async function sample(name: string, labels: Record<string, string>, suffix = ''): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return (metric?.values ?? [])
    .filter((value) => ((value as { metricName?: string }).metricName ?? name) === `${name}${suffix}`)
    .filter((value) => Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted))
    .reduce((sum, value) => sum + value.value, 0);
}
const fetches = (subgraph: string, cache: string) => sample('gateway_subgraph_fetch_duration_seconds', { subgraph, cache }, '_count');
const errors = (subgraph: string, code: string) => sample('gateway_subgraph_fetch_errors_total', { subgraph, code });

const log = pino({ level: 'silent' });
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('subgraph fetch metrics', () => {
  let served: number;
  let server: http.Server;
  let url: string;
  let cache: EntityCache;

  beforeAll(async () => {
    ({ server, url } = await listen((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        served++;
        const { representations } = (JSON.parse(body) as { variables: { representations: { id: string }[] } }).variables;
        const entities = representations.map(({ id }) => ({ __typename: 'Product', id, name: `name of ${id}` }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { _entities: entities } }));
      });
    }));
  });

  afterAll(async () => {
    await close(server);
  });

  beforeEach(() => {
    served = 0;
    const schema = new CacheableSchema(fs.readFileSync(SUPERGRAPH_SDL, 'utf8'));
    cache = new EntityCache({ schema, store: new MemoryStore(1000), ttlMs: 60_000, log });
  });

  afterEach(() => cache.close());

  const source = (subgraphUrl: string, entityCache?: EntityCache) =>
    new SubgraphSource({
      name: 'products',
      url: subgraphUrl,
      timeoutMs: 5_000,
      pipeline: new Pipeline(subgraphFetchPlugins({ internalSecret: 'internal', log, entityCache })),
    });

  it('times misses, partials and hits (answered without the subgraph) under their cache label', async () => {
    const before = {
      miss: await fetches('products', 'miss'),
      partial: await fetches('products', 'partial'),
      hit: await fetches('products', 'hit'),
    };
    const dataSource = source(url, cache);
    await dataSource.process(incoming({ representations: [product('m1'), product('m2')] }));
    await settled(); // the cache writes after answering
    await dataSource.process(incoming({ representations: [product('m1'), product('m3')] }));
    await settled();
    const hit = await dataSource.process(incoming({ representations: [product('m1'), product('m2')] }));
    expect(hit.data).toEqual({ _entities: [expect.objectContaining({ id: 'm1' }), expect.objectContaining({ id: 'm2' })] });
    expect(served).toBe(2);
    expect(await fetches('products', 'miss')).toBe(before.miss + 1);
    expect(await fetches('products', 'partial')).toBe(before.partial + 1);
    expect(await fetches('products', 'hit')).toBe(before.hit + 1);
    await dataSource.close();
  });

  it('labels fetches the cache does not take as none', async () => {
    const before = await fetches('products', 'none');
    const dataSource = source(url);
    await dataSource.process(incoming({ representations: [product('n1')] }));
    expect(await fetches('products', 'none')).toBe(before + 1);
    await dataSource.close();
  });

  it('counts the SERVICE_UNAVAILABLE errors of an unreachable subgraph, one per error the client gets', async () => {
    const { server: gone, url: goneUrl } = await listen(() => undefined);
    await close(gone); // connecting is refused now
    const before = { errors: await errors('products', 'SERVICE_UNAVAILABLE'), timed: await fetches('products', 'miss') };
    const dataSource = source(goneUrl, cache);
    const response = await dataSource.process(incoming({ representations: [product('u1'), product('u2')] }));
    expect(response.errors).toHaveLength(2);
    expect(await errors('products', 'SERVICE_UNAVAILABLE')).toBe(before.errors + 2);
    expect(await fetches('products', 'miss')).toBe(before.timed + 1);
    await dataSource.close();
  });

  it("counts errors a subgraph answers with by their code, and ignores the gateway's own fetches", async () => {
    const { server: failing, url: failingUrl } = await listen((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ data: null, errors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }, { message: 'bare' }] })),
    );
    try {
      const before = { forbidden: await errors('products', 'FORBIDDEN'), none: await errors('products', 'NONE') };
      const dataSource = source(failingUrl);
      await dataSource.process(incoming({ representations: [product('f1')] }));
      expect(await errors('products', 'FORBIDDEN')).toBe(before.forbidden + 1);
      expect(await errors('products', 'NONE')).toBe(before.none + 1);
      const healthCheck = { kind: 'health check', request: { query: '{ __typename }' }, context: {} };
      const timed = await sample('gateway_subgraph_fetch_duration_seconds', { subgraph: 'products' }, '_count');
      await dataSource.process(healthCheck as unknown as GraphQLDataSourceProcessOptions<RequestState>);
      expect(await sample('gateway_subgraph_fetch_duration_seconds', { subgraph: 'products' }, '_count')).toBe(timed);
      await dataSource.close();
    } finally {
      await close(failing);
    }
  });
});
