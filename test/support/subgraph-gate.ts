/**
 * A real HTTP hop between a gateway and the platform's subgraphs that counts what reaches each
 * subgraph and can hold its requests, so a test decides when a subgraph answers (or how it fails):
 * point a gateway's subgraphUrls at `urls`. Requests are forwarded as they came (body and headers,
 * signed claims included), and the subgraph's answer comes back as it was sent.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SubgraphName } from '../../platform/services';
import { isGatewayPoll } from './gateway-poll';

/** What a held request gets: forwarded to its subgraph, or answered here as a failing subgraph would. */
export type Release = 'forward' | ((res: http.ServerResponse) => void);

export interface SubgraphGate {
  /** Where each subgraph answers through the gate. */
  urls: Record<SubgraphName, string>;
  /** Clients' requests that reached the gate for `subgraph` so far (held ones included; the gateway's own poll is not one). */
  received(subgraph: SubgraphName): number;
  /** From now on `subgraph`'s requests wait until release(). */
  hold(subgraph: SubgraphName): void;
  /** Lets every held request of `subgraph` go (`how` each one), and later ones straight through. */
  release(subgraph: SubgraphName, how?: Release): void;
  close(): Promise<void>;
}

/** Hop-by-hop headers, and those fetch sets itself. */
const NOT_FORWARDED = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

export async function startSubgraphGate(targets: Record<SubgraphName, string>): Promise<SubgraphGate> {
  const servers: http.Server[] = [];
  const received = new Map<SubgraphName, number>();
  const held = new Map<SubgraphName, ((how: Release) => void)[]>();

  async function forward(target: string, req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !NOT_FORWARDED.has(name)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    try {
      const answer = await fetch(target, { method: req.method, headers, body: body.length > 0 ? body : undefined });
      const text = await answer.text();
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
    } catch {
      res.destroy();
    }
  }

  const urls = {} as Record<SubgraphName, string>;
  for (const [name, target] of Object.entries(targets) as [SubgraphName, string][]) {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const go = (how: Release) => (how === 'forward' ? void forward(target, req, body, res) : how(res));
        // The gateway's own poll runs on its clock, not the test's: it goes straight through, uncounted.
        if (isGatewayPoll(body)) return go('forward');
        received.set(name, (received.get(name) ?? 0) + 1);
        const waiting = held.get(name);
        if (waiting) waiting.push(go);
        else go('forward');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    urls[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  }

  const gate: SubgraphGate = {
    urls,
    received: (subgraph) => received.get(subgraph) ?? 0,
    hold(subgraph) {
      if (!held.has(subgraph)) held.set(subgraph, []);
    },
    release(subgraph, how = 'forward') {
      const waiting = held.get(subgraph) ?? [];
      held.delete(subgraph);
      for (const go of waiting) go(how);
    },
    async close() {
      for (const subgraph of [...held.keys()]) gate.release(subgraph, (res) => res.destroy());
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
  return gate;
}
