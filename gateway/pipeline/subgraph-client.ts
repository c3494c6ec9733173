/**
 * The gateway's HTTP client for one subgraph: an undici Pool of keep-alive connections, bounded
 * in number, answering Apollo's fetcher interface. It replaces Apollo's default make-fetch-happen
 * client, which dominated the gateway's CPU per request (agent-base builds an Error's stack on
 * every request to tell HTTP from HTTPS; minipass streams copy every body twice; figures in
 * docs/benchmarks.md). Bodies
 * are read whole before the answer is handed on, so the deadline covers the last byte.
 */
import { EventEmitter } from 'node:events';
import { STATUS_CODES } from 'node:http';
import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { Pool } from 'undici';

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherRequestInit = NonNullable<Parameters<Fetcher>[1]>;
type FetcherResponse = Awaited<ReturnType<Fetcher>>;
type FetcherHeaders = FetcherResponse['headers'];

/** Connections per subgraph when none is given: well above what one gateway process keeps busy. */
export const DEFAULT_SUBGRAPH_CONNECTIONS = 64;

type RawHeaders = Record<string, string | string[] | undefined>;

export interface SubgraphClient {
  fetch: Fetcher;
  /** Ends the idle keep-alive connections and refuses new requests; in-flight ones finish (each has its own timeout). */
  close(): Promise<void>;
}

export interface SubgraphClientOptions {
  connections?: number;
  /** The most one fetch may take, connect to last byte (default: no limit); past it the fetch fails with an AbortError. */
  timeoutMs?: number;
}

export function createSubgraphClient(url: string, options: SubgraphClientOptions = {}): SubgraphClient {
  const target = new URL(url);
  const { timeoutMs } = options;
  const pool = new Pool(target.origin, { connections: options.connections ?? DEFAULT_SUBGRAPH_CONNECTIONS });
  const path = pathOf(target);
  let closed: Promise<void> | undefined;
  return {
    async fetch(input: string, init?: FetcherRequestInit) {
      // undici takes an EventEmitter that emits 'abort' as a signal: a timer and an emitter cost a
      // fraction of what an AbortSignal.timeout per fetch did.
      const deadline = timeoutMs === undefined ? undefined : new EventEmitter();
      const timer = deadline && setTimeout(() => deadline.emit('abort'), timeoutMs);
      try {
        const response = await pool.request({
          path: input === url ? path : pathOf(new URL(input)),
          method: (init?.method ?? 'GET') as 'GET' | 'POST',
          headers: init?.headers as Record<string, string> | undefined,
          body: init?.body as string | undefined,
          signal: deadline ?? (init?.signal as AbortSignal | undefined),
        });
        const text = await response.body.text();
        return new BufferedResponse(input, response.statusCode, response.headers, text);
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      closed ??= pool.close();
      return closed;
    },
  };
}

const pathOf = (url: URL) => `${url.pathname}${url.search}`;

/**
 * The body text of an answer this client read, as it came off the wire; undefined for any other
 * response. A string is immutable: parsing it again gives a copy of the answer that shares no
 * object with any other (the fetch-dedup step hands each waiting fetch its own that way).
 */
export function bufferedBody(response: unknown): string | undefined {
  return response instanceof BufferedResponse ? response.body : undefined;
}

/** Read-only view of undici's lower-cased header record. */
class ResponseHeaders implements FetcherHeaders {
  constructor(private readonly raw: RawHeaders) {}
  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw)) {
      const value = this.get(name);
      if (value !== null) yield [name, value];
    }
  }
  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }
  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }
  forEach(callback: (value: string, key: string, parent: FetcherHeaders) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this);
  }
  [Symbol.iterator](): Iterator<[string, string]> {
    return this.entries();
  }
  append(): void {
    throw new TypeError('response headers are read-only');
  }
  delete(): void {
    throw new TypeError('response headers are read-only');
  }
  set(): void {
    throw new TypeError('response headers are read-only');
  }
}

/** An answer whose body has been read already: json() and text() just hand it over. */
class BufferedResponse implements FetcherResponse {
  readonly bodyUsed = false;
  readonly redirected = false;
  readonly ok: boolean;
  readonly statusText: string;
  readonly headers: ResponseHeaders;

  constructor(
    readonly url: string,
    readonly status: number,
    raw: RawHeaders,
    readonly body: string,
  ) {
    this.ok = status >= 200 && status < 300;
    this.statusText = STATUS_CODES[status] ?? '';
    this.headers = new ResponseHeaders(raw);
  }
  async text(): Promise<string> {
    return this.body;
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.body) as unknown;
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = Buffer.from(this.body);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  clone(): FetcherResponse {
    return this;
  }
}
