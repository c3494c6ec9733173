/**
 * The benchmark's four subgraphs behind one lean node:http server, one path each (/accounts,
 * /inventory, /products, /reviews), as the benchmark's own subgraphs binary serves them. They share
 * the machine's cores with the gateway under test, so they do the least a GraphQL server can: a
 * document is parsed and validated once per distinct query text, then only executed. Every POST is
 * counted per subgraph, so a bench can tell how many fetches a gateway sent per request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execute, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { BENCHMARK_SUBGRAPH_NAMES, benchmarkSubgraphSchema, type BenchmarkSubgraphName } from './subgraphs';

export interface RunningBenchmarkSubgraphs {
  /** Where each subgraph answers (http://127.0.0.1:<port>/<name>). */
  urls: Record<BenchmarkSubgraphName, string>;
  /** POSTs each subgraph has answered so far. */
  fetches(): Record<BenchmarkSubgraphName, number>;
  close(): Promise<void>;
}

/** Distinct documents remembered per subgraph; a gateway sends a handful. */
const DOCUMENTS_KEPT = 256;

interface Subgraph {
  schema: GraphQLSchema;
  documents: Map<string, DocumentNode | readonly { message: string }[]>;
  fetches: number;
}

function documentFor(subgraph: Subgraph, query: string): DocumentNode | readonly { message: string }[] {
  let document = subgraph.documents.get(query);
  if (!document) {
    try {
      const parsed = parse(query);
      const errors = validate(subgraph.schema, parsed);
      document = errors.length > 0 ? errors.map(({ message }) => ({ message })) : parsed;
    } catch (error) {
      document = [{ message: (error as Error).message }];
    }
    if (subgraph.documents.size >= DOCUMENTS_KEPT) subgraph.documents.clear();
    subgraph.documents.set(query, document);
  }
  return document;
}

async function answer(subgraph: Subgraph, body: string): Promise<{ status: number; json: string }> {
  let request: { query?: unknown; variables?: Record<string, unknown>; operationName?: string };
  try {
    request = JSON.parse(body) as typeof request;
  } catch {
    return { status: 400, json: JSON.stringify({ errors: [{ message: 'the body is not JSON' }] }) };
  }
  if (typeof request.query !== 'string') return { status: 400, json: JSON.stringify({ errors: [{ message: 'no query' }] }) };
  const document = documentFor(subgraph, request.query);
  if (!('kind' in document)) return { status: 400, json: JSON.stringify({ errors: document }) };
  const result = await execute({
    schema: subgraph.schema,
    document,
    variableValues: request.variables,
    operationName: request.operationName,
  });
  return { status: 200, json: JSON.stringify(result) };
}

export async function startBenchmarkSubgraphs(host = '127.0.0.1', port = 0): Promise<RunningBenchmarkSubgraphs> {
  const subgraphs = new Map<string, Subgraph>(
    BENCHMARK_SUBGRAPH_NAMES.map((name) => [`/${name}`, { schema: benchmarkSubgraphSchema(name), documents: new Map(), fetches: 0 }]),
  );
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const subgraph = subgraphs.get(path);
    if (req.method === 'GET' && (path === '/readyz' || path === '/health')) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      return;
    }
    if (!subgraph || req.method !== 'POST') {
      req.resume();
      res.writeHead(404).end();
      return;
    }
    subgraph.fetches++;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      answer(subgraph, Buffer.concat(chunks).toString('utf8')).then(
        ({ status, json }) => res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(json),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
      );
    });
  });
  // Gateways hold keep-alive pools; Node's 5 s default would close idle ones between bench rounds.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: bound } = server.address() as AddressInfo;
  const urls = Object.fromEntries(BENCHMARK_SUBGRAPH_NAMES.map((name) => [name, `http://${host}:${bound}/${name}`])) as Record<
    BenchmarkSubgraphName,
    string
  >;
  return {
    urls,
    fetches: () =>
      Object.fromEntries(BENCHMARK_SUBGRAPH_NAMES.map((name) => [name, subgraphs.get(`/${name}`)!.fetches])) as Record<
        BenchmarkSubgraphName,
        number
      >,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
