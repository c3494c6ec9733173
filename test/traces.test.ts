/**
 * One trace from the client's operation to the database and the model, checked by a real OTLP
 * receiver: the platform (gateway, five subgraphs, the inference server, each its own
 * service.name in one process) exports to it; each assertion reads what arrived after a flush.
 */
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import pino from 'pino';
import { Writable } from 'node:stream';
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { AddressInfo } from 'node:net';
import { loadOipPackage } from '../inference/server/grpc-proto';
import { WEBHOOK_DEFAULTS } from '../platform/config';
import { traceLogOptions } from '../platform/telemetry/log-fields';
import { eventually } from './support/eventually';
import { metricValue } from './support/metrics';
import { KIND, Trace, type ReceivedSpan } from './support/otlp-receiver';
import type { TestPlatform } from './support/platform';
import { startTracedPlatform, type TracedPlatform } from './support/traced-platform';
import { collect, wsClient } from './support/subscriptions';
import { createPartnerKey, partnerCli } from './support/partners';

const HOME = `query Home {
  me {
    id
    name
    orders(first: 3) { edges { node { id items { productId product { name } } } } }
    recommendations(first: 3) { degraded modelVersion product { id name } }
  }
}`;
const CATALOGUE = `query Catalogue { products(first: 3) { edges { node { id name } } } }`;
const UPDATES = `subscription Updates($userId: ID!) { recommendationsUpdated(userId: $userId) { trigger items { product { id name } } } }`;
const PLACE_ORDER = `mutation PlaceOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`;

describe('traces', () => {
  let traced: TracedPlatform;
  let t: TestPlatform;
  let token: string;

  beforeAll(async () => {
    traced = await startTracedPlatform(
      {},
      {
        // The model must answer (no popularity fallback) for its spans to be there, on a busy machine too.
        inferenceDeadlineMs: 30_000,
        // The partner's endpoint listens on 127.0.0.1, which production refuses.
        webhooks: { ...WEBHOOK_DEFAULTS, allowPrivateDestinations: true, pollMs: 50 },
      },
    );
    t = traced.t;
    token = await t.token('user-0001');
  }, 180_000);

  afterAll(async () => {
    await traced?.close();
  });

  const post = async (query: string, headers: Record<string, string> = {}, variables?: Record<string, unknown>) => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body;
  };

  /** Every span ended so far has reached the receiver once this resolves. */
  const flushed = () => traced.flushed();

  /** The trace of the gateway's server span for the operation named `name` (the latest one). */
  const traceOf = (spans: ReceivedSpan[], name: string) => {
    const servers = spans.filter(
      (span) => span.service === 'gateway' && span.kind === KIND.SERVER && span.attributes['graphql.operation.name'] === name,
    );
    expect(servers.length).toBeGreaterThan(0);
    const server = servers[servers.length - 1];
    return { server, trace: Trace.of(spans, server.traceId) };
  };

  /** The subgraph's server span under a client span of the gateway, and a check that it is there. */
  const serverUnder = (tr: Trace, client: ReceivedSpan) => {
    const [server, ...others] = tr.children(client).filter((span) => span.kind === KIND.SERVER);
    expect(others).toHaveLength(0);
    expect(server).toMatchObject({ service: client.attributes['subgraph.name'], kind: KIND.SERVER });
    return server;
  };

  it('follows one operation from the gateway through every subgraph to the database and the model', async () => {
    await post(HOME);
    const { server, trace: tr } = traceOf(await flushed(), 'Home');
    expect(server).toMatchObject({ name: 'query Home', parentSpanId: undefined });
    expect(server.attributes).toMatchObject({
      'graphql.operation.type': 'query',
      'http.route': '/graphql',
      'http.response.status_code': 200,
    });
    // Apollo Server's phases, then Apollo Gateway's planning and execution, all under the server span.
    for (const phase of ['graphql.parse', 'graphql.validate', 'gateway.plan', 'gateway.execute']) {
      expect(tr.find((span) => span.name === phase && span.parentSpanId === server.spanId)).toHaveLength(1);
    }
    // Apollo Gateway's spans that would repeat the platform's own are left out.
    for (const repeated of ['gateway.request', 'gateway.validate', 'gateway.fetch'])
      expect(tr.find((span) => span.name === repeated)).toHaveLength(0);
    const [execute] = tr.find((span) => span.name === 'gateway.execute');
    const fetches = tr.find((span) => span.service === 'gateway' && span.kind === KIND.CLIENT);
    expect(new Set(fetches.map((span) => span.attributes['subgraph.name']))).toEqual(
      new Set(['users', 'orders', 'recommendations', 'products']),
    );
    for (const fetch of fetches) {
      expect(fetch.parentSpanId).toBe(execute.spanId);
      expect(fetch.name).toBe(`subgraph ${fetch.attributes['subgraph.name']}`);
      expect(fetch.attributes['subgraph.graphql.operation.name']).toMatch(/^Home__/);
      // Each fetch sent its traceparent: the subgraph's server span is the client span's child.
      if (fetch.attributes['gateway.entity_cache.outcome'] !== 'hit') serverUnder(tr, fetch);
    }
    // The subgraphs' database statements, under their own server spans (Prisma's, and the plain reads).
    for (const subgraph of ['users', 'orders', 'recommendations']) {
      const subgraphServer = tr.find((span) => span.service === subgraph && span.kind === KIND.SERVER);
      expect(subgraphServer.length).toBeGreaterThan(0);
      const statements = tr.find(
        (span) => span.service === subgraph && (span.name.startsWith('prisma:') || span.attributes['db.system.name'] === 'postgresql'),
      );
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) expect(subgraphServer.some((s) => tr.descendsFrom(statement, s))).toBe(true);
    }
    // The recommendations subgraph's call to the model, the inference server's span under it, and its wait in the queue.
    const inferCalls = tr.find((span) => span.service === 'recommendations' && span.kind === KIND.CLIENT && span.name.startsWith('infer '));
    expect(inferCalls.length).toBeGreaterThan(0);
    for (const call of inferCalls) {
      expect(call.attributes).toMatchObject({ 'inference.model': expect.any(String), 'inference.model_version': expect.any(String) });
      expect(call.attributes['inference.rows']).toBeGreaterThan(0);
      const inferServer = tr.children(call).find((span) => span.kind === KIND.SERVER);
      expect(inferServer).toMatchObject({ service: 'inference' });
      expect(tr.children(inferServer!).map((span) => span.name)).toContain('inference.queue_wait');
      // The batch that ran it is a trace of its own, linked to this request and to every other it merged.
      const batches = traced.receiver.spans.filter(
        (span) => span.name === 'inference.batch' && span.links.some((link) => link.spanId === inferServer!.spanId),
      );
      expect(batches).toHaveLength(1);
      expect(batches[0]).toMatchObject({ service: 'inference', parentSpanId: undefined });
      expect(batches[0].traceId).not.toBe(tr.spans[0].traceId);
      expect(batches[0].attributes['inference.batch.requests']).toBe(batches[0].links.length);
      expect(batches[0].attributes).toMatchObject({ 'inference.model': call.attributes['inference.model'] });
    }
  });

  it('gives a fetch the entity cache answered its client span, marked hit, with nothing sent', async () => {
    const productFetches = (tr: Trace) =>
      tr.find((span) => span.service === 'gateway' && span.kind === KIND.CLIENT && span.attributes['subgraph.name'] === 'products');
    const writes = await metricValue(t.url, 'gateway_entity_cache_writes_total');
    await post(HOME);
    const first = productFetches(traceOf(await flushed(), 'Home').trace);
    if (first.some((span) => span.attributes['gateway.entity_cache.outcome'] !== 'hit')) {
      // The cache writes after the answer is sent: the entries must be in before the read that should hit them.
      expect(
        await eventually(
          () => metricValue(t.url, 'gateway_entity_cache_writes_total'),
          (value) => value > writes,
        ),
      ).toBeGreaterThan(writes);
    }
    await post(HOME);
    const { trace: tr } = traceOf(await flushed(), 'Home');
    const hits = productFetches(tr).filter((span) => span.attributes['gateway.entity_cache.outcome'] === 'hit');
    expect(hits.length).toBeGreaterThan(0);
    for (const hit of hits) expect(tr.children(hit)).toHaveLength(0);
  });

  it('gives a single-fetch answer its span and its fetch a client span with the subgraph under it', async () => {
    const before = await metricValue(t.url, 'gateway_single_fetch_operations_total', { outcome: 'direct' });
    await post(CATALOGUE);
    expect(await metricValue(t.url, 'gateway_single_fetch_operations_total', { outcome: 'direct' })).toBe(before + 1);
    const { server, trace: tr } = traceOf(await flushed(), 'Catalogue');
    const [single] = tr.find((span) => span.name === 'gateway.single_fetch');
    expect(single.parentSpanId).toBe(server.spanId);
    expect(tr.find((span) => span.name === 'gateway.request')).toHaveLength(0);
    const [fetch] = tr.children(single);
    expect(fetch).toMatchObject({ kind: KIND.CLIENT, attributes: expect.objectContaining({ 'subgraph.name': 'products' }) });
    serverUnder(tr, fetch);
  });

  it("continues a gRPC caller's trace at the inference server, its queue wait inside", async () => {
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the client's methods come from the .proto
    const Service = (grpc.loadPackageDefinition(loadOipPackage()) as any).inference.GRPCInferenceService;
    const client = new Service(t.platform.inference!.grpcAddress, grpc.credentials.createInsecure()) as grpc.Client &
      Record<string, (request: unknown, metadata: grpc.Metadata, done: (error: grpc.ServiceError | null) => void) => void>;
    try {
      const metadata = new grpc.Metadata();
      metadata.set('traceparent', `00-${callerTrace}-${callerSpan}-01`);
      const input = (name: string, value: number) => ({ name, datatype: 'INT64', shape: [1, 1], contents: { int64_contents: [value] } });
      await new Promise<void>((resolve, reject) =>
        client.ModelInfer.call(
          client,
          { model_name: 'recommender', inputs: [input('user_index', 0), input('exclude', -1)] },
          metadata,
          (error) => (error ? reject(error) : resolve()),
        ),
      );
    } finally {
      client.close();
    }
    const tr = Trace.of(await flushed(), callerTrace);
    const [server] = tr.find((span) => span.kind === KIND.SERVER);
    expect(server).toMatchObject({
      service: 'inference',
      name: 'inference.GRPCInferenceService/ModelInfer',
      parentSpanId: callerSpan,
      attributes: expect.objectContaining({ 'rpc.system': 'grpc', 'rpc.method': 'ModelInfer' }),
    });
    expect(tr.children(server).map((span) => span.name)).toEqual(['inference.queue_wait']);
  });

  it('marks a server span with the errors its answer carries', async () => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'query Misspelt { prodcts { id } }' }),
    });
    expect(response.status).toBe(400);
    const spans = await flushed();
    const [server] = spans.filter(
      (span) => span.service === 'gateway' && span.kind === KIND.SERVER && span.attributes['http.response.status_code'] === 400,
    );
    expect(server.attributes).toMatchObject({ 'graphql.error.count': 1, 'graphql.error.codes': ['GRAPHQL_VALIDATION_FAILED'] });
    expect(server.status.code).toBe(2);
    expect(Trace.of(spans, server.traceId).find((span) => span.name === 'graphql.validate')[0].status.code).toBe(2);
  });

  it("starts a new trace at the edge for a client's traceparent, and links to it", async () => {
    const clientTrace = '0af7651916cd43dd8448eb211c80319c';
    const clientSpan = 'b7ad6b7169203331';
    await post(`query Linked { products(first: 1) { edges { node { id } } } }`, { traceparent: `00-${clientTrace}-${clientSpan}-01` });
    const { server, trace: tr } = traceOf(await flushed(), 'Linked');
    expect(server.traceId).not.toBe(clientTrace);
    expect(server.parentSpanId).toBeUndefined();
    expect(server.links).toEqual([{ traceId: clientTrace, spanId: clientSpan, attributes: expect.any(Object) }]);
    // The subgraphs trust the gateway's context: the whole operation is still one trace.
    expect(tr.find((span) => span.service === 'products' && span.kind === KIND.SERVER)).toHaveLength(1);
  });

  it("links what a mutation's event causes later back to the mutation: the relay's publish, each consumer, the dashboard's update", async () => {
    const client = wsClient(t.url, token);
    const updates = collect<{ recommendationsUpdated: { trigger: string } }>(client, UPDATES, { userId: 'user-0001' });
    try {
      await eventually(
        async () => t.platform.gateway.hub.upstreamCount,
        (count) => count === 1,
      );
      const page = (await post('{ products(first: 50) { edges { node { id stock } } } }')) as {
        data: { products: { edges: { node: { id: string; stock: number } }[] } };
      };
      const productId = page.data.products.edges.find((edge) => edge.node.stock > 10)!.node.id;
      await post(PLACE_ORDER, {}, { input: { idempotencyKey: 'traces-1', items: [{ productId, quantity: 1 }] } });
      const update = await updates.next((result) => result.data?.recommendationsUpdated.trigger === 'ORDER_PLACED', 20_000);
      const mutation = traceOf(await flushed(), 'PlaceOrder').server;
      const linkedToMutation = (span: ReceivedSpan) => span.links.some((link) => link.traceId === mutation.traceId);
      // Each handling ends a moment after the update it caused went out: read until the consumer's span is in.
      const spans = await eventually(flushed, (all) =>
        all.some((span) => span.name === 'process order.placed' && span.service === 'recommendations' && linkedToMutation(span)),
      );
      const published = spans.filter((span) => span.name === 'publish order.placed' && linkedToMutation(span));
      expect(published).toMatchObject([{ service: 'orders', kind: KIND.PRODUCER, parentSpanId: undefined }]);
      const handled = spans.filter((span) => span.name === 'process order.placed' && linkedToMutation(span));
      expect(handled.map((span) => span.service)).toContain('recommendations');
      for (const span of handled) expect(span).toMatchObject({ kind: KIND.CONSUMER, parentSpanId: undefined });
      // The linked spans are in the mutation's trace's link, not its tree: the mutation's trace has none of them.
      expect(Trace.of(spans, mutation.traceId).find((span) => span.name.startsWith('process '))).toHaveLength(0);
      // The dashboard's update: its span links to the handling that published it, and the gateway
      // completes the event with the products subgraph under it.
      const handlingTraces = new Set(handled.map((span) => span.traceId));
      const events = spans.filter(
        (span) => span.name === 'graphql.subscription.event' && span.links.some((link) => handlingTraces.has(link.traceId)),
      );
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        service: 'gateway',
        kind: KIND.CONSUMER,
        attributes: expect.objectContaining({ 'graphql.operation.name': 'Updates' }),
      });
      const completing = Trace.of(spans, events[0].traceId);
      const fetches = completing.find((span) => span.kind === KIND.CLIENT && span.attributes['subgraph.name'] === 'products');
      expect(fetches.length).toBeGreaterThan(0);
      for (const fetch of fetches) expect(completing.descendsFrom(fetch, events[0])).toBe(true);
      // The link is the platform's own business: the dashboard's event does not carry it.
      expect((update as { extensions?: unknown }).extensions).toBeUndefined();
    } finally {
      updates.stop();
      await client.dispose();
    }
  });

  it("links each attempt to deliver a partner's webhook back to the mutation that caused its event", async () => {
    let delivered!: () => void;
    const arrived = new Promise<void>((resolve) => (delivered = resolve));
    const endpoint = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200).end('ok');
        delivered();
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    try {
      const { key } = await createPartnerKey(t, 'traced-partner');
      const admin = await t.token('traces-admin', ['admin']);
      const { partners } = await t.client(admin).request<{ partners: { id: string; name: string }[] }>('{ partners { id name } }');
      const partnerId = partners.find((partner) => partner.name === 'traced-partner')?.id;
      expect(partnerId).toBeDefined();
      const registered = await partnerCli(t, ['webhook', partnerId!, `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/hooks`]);
      expect(registered.code).toBe(0);
      const page = (await post('{ products(first: 50) { edges { node { id stock } } } }')) as {
        data: { products: { edges: { node: { id: string; stock: number } }[] } };
      };
      const productId = page.data.products.edges.find((edge) => edge.node.stock > 10)!.node.id;
      const response = await fetch(t.url.replace(/\/graphql$/, '/partner/graphql'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({
          query: 'mutation PartnerOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
          variables: { input: { idempotencyKey: 'traces-partner-1', items: [{ productId, quantity: 1 }] } },
        }),
      });
      expect(response.status).toBe(200);
      await arrived;
      const mutation = traceOf(await flushed(), 'PartnerOrder').server;
      expect(mutation.attributes['http.route']).toBe('/partner/graphql');
      // The attempt's span ends once its outcome is known, a moment after the endpoint answered.
      const spans = await eventually(flushed, (all) =>
        all.some((span) => span.name === 'webhook order.placed' && span.links.some((link) => link.traceId === mutation.traceId)),
      );
      const attempts = spans.filter(
        (span) => span.name === 'webhook order.placed' && span.links.some((link) => link.traceId === mutation.traceId),
      );
      expect(attempts).toMatchObject([
        {
          service: 'users',
          kind: KIND.CLIENT,
          parentSpanId: undefined,
          attributes: expect.objectContaining({ 'http.response.status_code': 200, 'webhook.attempt': 1 }),
        },
      ]);
    } finally {
      endpoint.closeAllConnections();
      await new Promise((resolve) => endpoint.close(resolve));
    }
  });

  it('writes the trace and span ids into every log line written inside a span, and nothing into the others', async () => {
    const lines: string[] = [];
    const log = pino(
      { ...traceLogOptions, base: undefined },
      new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }),
    );
    const span = t.platform.telemetry!.forService('gateway').tracer.startSpan('logging');
    context.with(trace.setSpan(ROOT_CONTEXT, span), () => log.info({ step: 1 }, 'inside'));
    span.end();
    // Lines outside a span, with fields of their own: none of them leaks into another.
    log.info({ err: new Error('first') }, 'outside');
    log.info({ other: true }, 'outside again');
    const [inside, outside, again] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(inside).toMatchObject({ step: 1, trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
    expect(outside).toMatchObject({ err: expect.objectContaining({ message: 'first' }) });
    expect(outside.trace_id).toBeUndefined();
    expect(again).toMatchObject({ other: true });
    expect(again.err).toBeUndefined();
  });
});
