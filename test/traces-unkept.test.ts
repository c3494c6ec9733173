/**
 * A client operation whose trace is not kept: the gateway runs it outside any OpenTelemetry
 * context (plugins/http/tracing.ts), and must still tell every subgraph the trace and that it is
 * not kept. The gateway trusts the client's `traceparent` here, so the test chooses the decision;
 * the samplers are parent-based with roots always kept, so a subgraph that did not hear the
 * decision would start (and export) a trace of its own.
 */
import { Trace } from './support/otlp-receiver';
import { startTracedPlatform, type TracedPlatform } from './support/traced-platform';

const HOME = `query Home {
  me {
    name
    orders(first: 3) { edges { node { id items { product { name } } } } }
    recommendations(first: 3) { product { name } }
  }
}`;
/** A page size of its own per request: the entity cache answers a page it has seen without asking products. */
const catalogue = (first: number) => `query Catalogue { products(first: ${first}) { edges { node { id name } } } }`;

/** Fixed, distinct ids: each call names a trace of its own. */
let traces = 0;

/** A W3C traceparent of a new trace; `kept` sets the sampled flag. */
function traceparent(kept: boolean): { header: string; traceId: string } {
  traces++;
  const traceId = `4bf92f3577b34da6a3ce929d${traces.toString(16).padStart(8, '0')}`;
  return { header: `00-${traceId}-00f067aa0ba902b7-${kept ? '01' : '00'}`, traceId };
}

describe('a client operation whose trace is not kept', () => {
  let traced: TracedPlatform;
  let token: string;

  beforeAll(async () => {
    traced = await startTracedPlatform({ clientTraceparent: 'trust' });
    token = await traced.t.token('user-0001');
  }, 180_000);

  afterAll(async () => {
    await traced?.close();
  });

  const post = async (query: string, header: string) => {
    const response = await fetch(traced.t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, traceparent: header },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    expect(body.data).toBeTruthy();
  };

  const flushed = () => traced.flushed();

  it('records nothing in any service, a single fetch and a multi-fetch plan alike', async () => {
    const before = (await flushed()).length;
    for (const query of [catalogue(3), HOME]) await post(query, traceparent(false).header);
    // No span at all: neither the gateway's nor one a subgraph, left without the decision, would have started.
    expect((await flushed()).length).toBe(before);
  });

  it('records every service of the same operations when the trace is kept (the control)', async () => {
    for (const query of [catalogue(4), HOME]) {
      const { header, traceId } = traceparent(true);
      await post(query, header);
      const kept = Trace.of(await flushed(), traceId);
      const gateway = kept.find((span) => span.service === 'gateway' && span.parentSpanId === header.split('-')[2]);
      expect(gateway).toHaveLength(1);
      const subgraphServers = kept.find((span) => span.service !== 'gateway' && span.name === 'POST /graphql');
      expect(subgraphServers.length).toBeGreaterThan(0);
      for (const span of subgraphServers) expect(kept.descendsFrom(span, gateway[0])).toBe(true);
    }
  });
});
