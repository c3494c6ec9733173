/**
 * One webhook POST to an address already checked (destination.ts): the socket goes to that
 * address and nowhere else — no second DNS lookup — while the Host header and the TLS server name
 * (SNI and certificate check) stay the URL's host name. Redirects are answers, never followed.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Destination } from './destination';

export interface PinnedPost {
  url: URL;
  destination: Destination;
  headers: Record<string, string>;
  body: string;
  /** Ends the request at any stage, connect to the last byte read. */
  signal: AbortSignal;
  /** Bytes of the answer's body kept; the rest is dropped unread. */
  keepBytes: number;
}

export interface PostAnswer {
  status: number;
  /** The start of the answer's body. */
  text: string;
}

/** What sends a delivery; injected in tests to prove a refused destination is never dialled. */
export type PostTo = (request: PinnedPost) => Promise<PostAnswer>;

/** A lookup that answers every name with the checked address (net asks with `all` when it races families). */
function pinnedLookup({ address, family }: Destination): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) (callback as (error: null, addresses: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

export const postPinned: PostTo = ({ url, destination, headers, body, signal, keepBytes }) =>
  new Promise<PostAnswer>((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    const request = transport.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: pinnedLookup(destination),
      // A fresh connection each time: a pooled socket would be one checked for an earlier delivery.
      agent: false,
      signal,
    });
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        response.destroy();
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      };
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= keepBytes) finish();
      });
      response.on('end', finish);
      response.on('error', reject);
      // Cut off mid-answer (an abort, a reset): settles the POST rather than leaving it pending.
      response.on('close', () => reject(new Error('the connection closed before the answer ended')));
    });
    request.end(body);
  });
