/**
 * The benchmark's supergraph, composed by @apollo/composition from ./subgraphs.ts's SDL each time a
 * bench or test starts, with the URLs where its subgraphs answer in that run. Composed rather than
 * committed: the subgraph SDL is the one source, so there is no second copy to go stale, and every
 * gateway (Apollo's, Hive's, the project's) reads the same routing URLs. It takes well under a second.
 * federation.test.ts checks that its API schema is the benchmark's published one.
 */
import { parse } from 'graphql';
import { composeDocuments } from '../../scripts/compose-documents';
import { BENCHMARK_SUBGRAPH_NAMES, SUBGRAPH_SDL, type BenchmarkSubgraphName } from './subgraphs';

export function composeBenchmarkSupergraph(urls: Record<BenchmarkSubgraphName, string>): string {
  return composeDocuments(BENCHMARK_SUBGRAPH_NAMES.map((name) => ({ name, url: urls[name], typeDefs: parse(SUBGRAPH_SDL[name]) })));
}
