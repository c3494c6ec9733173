/**
 * The public federation gateways benchmark's query (bench/federation/) through the project's
 * gateway with its default limits: it is served, and the cost the limit judged it by stays within a
 * small factor of the work its answer shows. With 10 items an unsized list, the estimate was 113,425
 * for 1,772 of real work, and the default limit of 50,000 refused a query every peer serves.
 */
import { parse } from 'graphql';
import pino from 'pino';
import { startBenchmarkSubgraphs, type RunningBenchmarkSubgraphs } from '../bench/federation/server';
import { BENCHMARK_BODY, BENCHMARK_QUERY } from '../bench/federation/query';
import { composeBenchmarkSupergraph } from '../bench/federation/supergraph';
import { FederatedPlanner } from '../gateway/pipeline/planner';
import { operationCost } from '../gateway/plugins/operation/query-limits/cost';
import { startGateway, type RunningGateway } from '../gateway/server';
import { DEFAULT_QUERY_LIMITS } from '../platform/config';
import type { SubgraphName } from '../platform/services';
import { metricValue } from './support/metrics';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The work an answer shows, counted as the cost model counts it but with the real list sizes: each
 * field 1 plus what it selects, a list's items each once. Beside it, the objects and fields resolved.
 */
function workOf(data: Json) {
  let objects = 0;
  let fields = 0;
  const walk = (value: Json): number => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return 0;
    objects++;
    let cost = 0;
    for (const child of Object.values(value)) {
      fields++;
      const items = Array.isArray(child) ? child : [child];
      for (const item of items) cost += 1 + walk(item);
    }
    return cost;
  };
  return { cost: walk(data), objects, fields };
}

/** The estimate alone: the supergraph's routing URLs play no part in it. */
const estimate = (listSize: number) => {
  const url = 'http://127.0.0.1:9/graphql';
  const api = new FederatedPlanner(composeBenchmarkSupergraph({ accounts: url, inventory: url, products: url, reviews: url }))
    .apiGraphQLSchema;
  return operationCost(api, parse(BENCHMARK_QUERY), { maxNodes: 100_000, listSize });
};

describe("the federation benchmark's query's estimated cost", () => {
  it('is 8,855 with 5 items an unsized list (the default), where 10 a list made it 113,425', () => {
    // Fragments: Product 6 fields, Review 2, User 3; s items an unsized list. Innermost reviews:
    // s × (1 + 2 + product 7) = 10s; author 4 + 10s; product.reviews s × (7 + 10s); product 7 + 7s + 10s²;
    // users.reviews s × (10 + 7s + 10s²); users s × (4 + 10s + 7s² + 10s³); topProducts(first = 5) 5 × (7 + 7s + 10s²).
    const priced = (s: number) => s * (4 + 10 * s + 7 * s ** 2 + 10 * s ** 3) + 5 * (7 + 7 * s + 10 * s ** 2);
    expect(DEFAULT_QUERY_LIMITS.listSize).toBe(5);
    expect(estimate(5)).toEqual({ kind: 'cost', cost: priced(5) });
    expect(priced(5)).toBe(8855);
    expect(estimate(10)).toEqual({ kind: 'cost', cost: priced(10) });
    expect(priced(10)).toBe(113_425);
  });
});

describe("the federation benchmark's query under the default query limits", () => {
  let subgraphs: RunningBenchmarkSubgraphs;
  let gateway: RunningGateway;

  beforeAll(async () => {
    subgraphs = await startBenchmarkSubgraphs();
    gateway = await startGateway({
      port: 0,
      host: '127.0.0.1',
      jwtSecret: 'benchmark-query-cost',
      internalSecret: 'benchmark-query-cost-internal',
      // The benchmark's subgraphs, not the platform's: the gateway builds a data source per name given.
      subgraphUrls: subgraphs.urls as unknown as Record<SubgraphName, string>,
      supergraphSdl: composeBenchmarkSupergraph(subgraphs.urls),
      subscriptionLimits: { perConnection: 1, total: 1 },
      queryLimits: DEFAULT_QUERY_LIMITS,
      subgraphTimeoutMs: 5_000,
      log: pino({ level: 'silent' }),
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await subgraphs?.close();
  });

  it('is served, and its estimated cost is within 5× of the work its answer shows', async () => {
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BENCHMARK_BODY });
    const text = await response.text();
    const body = JSON.parse(text) as { data?: Json; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    expect(response.status).toBe(200);

    const work = workOf(body.data!);
    // 6 users × 2 reviews × 4 reviews of their product × 2 reviews of its author, and 5 top products'
    // 11 reviews × 2 of their author's: 390 objects (the root's included), 1,656 fields resolved,
    // 1,772 counting a list field once per item.
    expect(work).toEqual({ cost: 1772, objects: 390, fields: 1656 });
    expect(text.length).toBeGreaterThan(80_000);

    // The estimate errs high, as a limit's should, by 5.0× (10 a list: 64×).
    expect(estimate(DEFAULT_QUERY_LIMITS.listSize)).toEqual({ kind: 'cost', cost: 8855 });
    expect(8855 / work.cost).toBeGreaterThanOrEqual(1);
    expect(8855 / work.cost).toBeLessThan(5);
    expect(8855).toBeLessThan(DEFAULT_QUERY_LIMITS.cost);

    // Where an operator reads it: the admitted operation's cost, by operation name.
    expect(await metricValue(gateway.metricsUrl, 'gateway_operation_cost_sum', { operation: 'TestQuery' })).toBe(8855);
    expect(await metricValue(gateway.metricsUrl, 'gateway_operation_cost_count', { operation: 'TestQuery' })).toBe(1);
  });
});
