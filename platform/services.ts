/** The platform's services as other processes know them: subgraph names and where each answers. */
import type { PlatformConfig } from './config';

export const SUBGRAPH_NAMES = ['users', 'products', 'orders', 'payments', 'recommendations'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/**
 * Where each subgraph answers: `<NAME>_URL` (e.g. PRODUCTS_URL, set by k8s to the Service) or,
 * by default, its configured port on this host.
 */
export function subgraphUrls(config: Pick<PlatformConfig, 'host' | 'ports' | 'subgraphUrls'>): Record<SubgraphName, string> {
  const entries = SUBGRAPH_NAMES.map((name) => [name, config.subgraphUrls[name] ?? `http://${config.host}:${config.ports[name]}/graphql`]);
  return Object.fromEntries(entries) as Record<SubgraphName, string>;
}
