/**
 * An example of adding a concern to every subgraph fetch: one plugin, one hook. This one sends a
 * header of the operator's choosing with each fetch — queries, mutations, the partner API and the
 * fetches that complete subscription events alike. Give it to the gateway with
 * `startGateway({ …, plugins: [subgraphFetchHeader('x-deployment', 'blue')] })`.
 */
import type { GatewayPlugin } from '../../pipeline/plugin';

export function subgraphFetchHeader(name: string, value: string): GatewayPlugin {
  return {
    name: 'subgraph-fetch-header',
    // A step passes a changed copy of the fetch on; the steps after it (the signing among them) see the header.
    onSubgraphFetch: (fetch, next) => next({ ...fetch, headers: { ...fetch.headers, [name]: value } }),
  };
}
