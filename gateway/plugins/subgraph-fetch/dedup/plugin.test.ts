/**
 * The fetch-dedup step in the gateway's own chain of fetch steps (a SubgraphSource, as the gateway
 * builds it) against a real HTTP subgraph that holds every request until the test lets it answer:
 * identical fetches in flight at once reach the subgraph once, each caller gets an answer of its
 * own, a failure reaches every caller mapped as its own, and nothing outlives the fetch.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import pino from 'pino';
import { registry } from '../../../../platform/metrics';
import { eventually } from '../../../../test/support/eventually';
import { SubgraphSource } from '../../../pipeline/apollo-adapter';
import type { RequestState } from '../../../pipeline/request-state';
import { Pipeline } from '../../../pipeline/runner';
import { subgraphFetchPlugins } from '..';
import { fetchDedupPlugin } from './plugin';
import { claimSigningPlugin } from '../claim-signing';

const ENTITY_QUERY = 'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { name } } }';
const representations = [
  { __typename: 'Product', id: 'p1' },
  { __typename: 'Product', id: 'p2' },
];
const ANSWER = {
  data: {
    _entities: [
      { name: 'A', tags: ['x'] },
      { name: 'B', tags: ['y'] },
    ],
  },
};

/** A fetch for a client's operation, as Apollo's executor sends one. */
function incoming(type: 'query' | 'mutation' = 'query', userId = 'user-0001'): GraphQLDataSourceProcessOptions<RequestState> {
  return {
    kind: 'incoming operation',
    request: { query: ENTITY_QUERY, variables: { representations } },
    incomingRequestContext: { operation: { operation: type }, operationName: 'Page' },
    context: { viewer: { userId, roles: ['customer'] } },
    pathInIncomingRequest: [],
  } as unknown as GraphQLDataSourceProcessOptions<RequestState>;
}

interface HeldSubgraph {
  url: string;
  /** Requests received so far. */
  received: () => number;
  /** Answers every request held so far, and every later one at once, with `answer` (given the request's body). */
  release(answer: Answer): void;
  close(): Promise<void>;
}

type Answer = (res: http.ServerResponse, body: string) => void;

async function heldSubgraph(): Promise<HeldSubgraph> {
  let received = 0;
  let answer: Answer | undefined;
  const held: [http.ServerResponse, string][] = [];
  const server = http.createServer((req, res) => {
    received++;
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => (answer ? answer(res, body) : held.push([res, body])));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    received: () => received,
    release(respond) {
      answer = respond;
      for (const [res, body] of held.splice(0)) respond(res, body);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const json = (body: unknown) => (res: http.ServerResponse) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

async function deduplicated(): Promise<number> {
  const metric = (await registry.getSingleMetric('gateway_subgraph_fetches_deduplicated_total')?.get())?.values ?? [];
  return metric.filter((value) => value.labels.subgraph === 'products').reduce((sum, value) => sum + value.value, 0);
}

const log = pino({ level: 'silent' });
const gatewaySource = (url: string, deduplicate = true) =>
  new SubgraphSource({
    name: 'products',
    url,
    timeoutMs: 30_000,
    pipeline: new Pipeline(subgraphFetchPlugins({ internalSecret: 'internal', log, deduplicate })),
  });

describe('fetch-dedup step', () => {
  let subgraph: HeldSubgraph;
  beforeEach(async () => {
    subgraph = await heldSubgraph();
  });
  afterEach(() => subgraph.close());

  /** Starts `count` fetches at once, lets the subgraph answer once `joined` callers wait on another's fetch, and hands back what each got. */
  async function concurrently(
    source: SubgraphSource,
    fetches: GraphQLDataSourceProcessOptions<RequestState>[],
    joined: number,
    answer: Answer,
  ) {
    const before = await deduplicated();
    const settled = Promise.allSettled(fetches.map((options) => source.process(options)));
    await eventually(deduplicated, (value) => value - before >= joined);
    await eventually(
      async () => subgraph.received(),
      (value) => value >= fetches.length - joined,
    );
    subgraph.release(answer);
    return { results: await settled, counted: (await deduplicated()) - before };
  }

  it('sends identical fetches in flight at once one time and gives each caller an answer of its own', async () => {
    const source = gatewaySource(subgraph.url);
    const { results, counted } = await concurrently(source, [incoming(), incoming(), incoming()], 2, json(ANSWER));
    expect(subgraph.received()).toBe(1);
    expect(counted).toBe(2);
    const answers = results.map((result) => {
      if (result.status !== 'fulfilled') throw result.reason;
      return result.value;
    });
    for (const answer of answers) expect({ data: answer.data, errors: answer.errors }).toEqual({ ...ANSWER, errors: undefined });
    // No object is held by two answers, at any depth: Apollo's executor merges into them.
    const [first, second, third] = answers.map((answer) => answer.data as typeof ANSWER.data);
    expect(new Set([first, second, third]).size).toBe(3);
    expect(new Set([first._entities, second._entities, third._entities]).size).toBe(3);
    expect(new Set([first._entities[0], second._entities[0], third._entities[0]]).size).toBe(3);
    first._entities[0].name = 'changed';
    first._entities[1].tags.push('z');
    second._entities.pop();
    expect(third).toEqual(ANSWER.data);
    expect(second._entities[0].name).toBe('A');
    await source.close();
  });

  it('keeps nothing once the fetch has settled: the same fetch asked afterwards goes to the subgraph again', async () => {
    const source = gatewaySource(subgraph.url);
    subgraph.release(json(ANSWER));
    await source.process(incoming());
    await source.process(incoming());
    expect(subgraph.received()).toBe(2);
    await source.close();
  });

  it("maps the shared fetch's outage for every caller as its own: each gets SERVICE_UNAVAILABLE errors on its fields", async () => {
    const source = gatewaySource(subgraph.url);
    const { results } = await concurrently(source, [incoming(), incoming()], 1, (res) => res.writeHead(503).end());
    expect(subgraph.received()).toBe(1);
    const [leader, follower] = results.map((result) => (result.status === 'fulfilled' ? result.value : undefined));
    expect(follower?.errors).toEqual(leader?.errors);
    expect(follower?.errors).toEqual([
      expect.objectContaining({
        path: ['_entities', 0],
        extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', reason: 'http_5xx' }),
      }),
      expect.objectContaining({
        path: ['_entities', 1],
        extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', reason: 'http_5xx' }),
      }),
    ]);
    expect(follower?.errors).not.toBe(leader?.errors);
    await source.close();
  });

  it('fails every caller with the error the shared fetch failed with, each its own copy of it', async () => {
    const source = gatewaySource(subgraph.url);
    const { results } = await concurrently(source, [incoming(), incoming()], 1, (res) =>
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"errors":[{"message":"bad"}]}'),
    );
    const [leader, follower] = results.map((result) => (result.status === 'rejected' ? (result.reason as GraphQLError) : undefined));
    expect(leader).toBeInstanceOf(GraphQLError);
    expect(follower).toBeInstanceOf(GraphQLError);
    expect(follower).not.toBe(leader);
    expect(follower?.message).toBe(leader?.message);
    expect(follower?.extensions).toEqual(leader?.extensions);
    expect(follower?.extensions).not.toBe(leader?.extensions);
    await source.close();
  });

  it.each([
    ['the fetches of a mutation', () => gatewaySource(subgraph.url), incoming('mutation')],
    ['anything with the switch off', () => gatewaySource(subgraph.url, false), incoming()],
  ])('never shares %s', async (_what, makeSource, options) => {
    const source = makeSource();
    const { results, counted } = await concurrently(source, [options, { ...options }], 0, json(ANSWER));
    expect(subgraph.received()).toBe(2);
    expect(counted).toBe(0);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
    await source.close();
  });

  it('shares only fetches whose whole bodies are equal, not those that merely start and end alike', async () => {
    const source = gatewaySource(subgraph.url);
    const middle = (id: string) => {
      const options = incoming();
      // Far from both ends of the body: the three fetches fall in one bucket (./key.ts).
      options.request.variables = {
        representations: [representations[0], { __typename: 'Product', id }, ...representations, ...representations],
      };
      return options;
    };
    const [a, b] = [middle('pA'), middle('pB')].map(({ request }) =>
      JSON.stringify({ query: request.query, variables: request.variables }),
    );
    expect([a.length, a.slice(0, 64), a.slice(-64)]).toEqual([b.length, b.slice(0, 64), b.slice(-64)]);
    // The subgraph names each product after its id.
    const { results, counted } = await concurrently(source, [middle('pA'), middle('pB'), middle('pB')], 1, (res, body) => {
      const { variables } = JSON.parse(body) as { variables: { representations: { id: string }[] } };
      json({ data: { _entities: variables.representations.map(({ id }) => ({ name: id })) } })(res);
    });
    expect(subgraph.received()).toBe(2);
    expect(counted).toBe(1);
    const names = results.map((result) =>
      result.status === 'fulfilled' ? (result.value.data as typeof ANSWER.data)._entities[1].name : result.reason,
    );
    expect(names).toEqual(['pA', 'pB', 'pB']);
    await source.close();
  });

  it('never shares between viewers', async () => {
    const source = gatewaySource(subgraph.url);
    const { counted } = await concurrently(source, [incoming('query', 'user-0001'), incoming('query', 'user-0002')], 0, json(ANSWER));
    expect(subgraph.received()).toBe(2);
    expect(counted).toBe(0);
    await source.close();
  });

  it('never shares a fetch started before the data changed with one asked for after', async () => {
    let generation = 0;
    const source = new SubgraphSource({
      name: 'products',
      url: subgraph.url,
      timeoutMs: 30_000,
      pipeline: new Pipeline([fetchDedupPlugin({ generation: () => generation }), claimSigningPlugin('internal')]),
    });
    const first = source.process(incoming());
    await eventually(
      async () => subgraph.received(),
      (value) => value >= 1,
    );
    generation++;
    const second = source.process(incoming());
    await eventually(
      async () => subgraph.received(),
      (value) => value >= 2,
    );
    subgraph.release(json(ANSWER));
    await Promise.all([first, second]);
    expect(subgraph.received()).toBe(2);
    await source.close();
  });
});
