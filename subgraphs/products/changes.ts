/**
 * What the products service tells gateways after its writes commit, so their entity caches drop
 * the products that changed (platform/entity-changes.ts). Every write of a product goes through
 * here: a write that is not announced leaves gateways serving the old value until the cache's TTL.
 */
import { openEntityChanges, type EntityChanges } from '../../platform/entity-changes';
import type { SubgraphDeps } from '../kit/definition';

export interface ProductsResources {
  changes: EntityChanges;
}

export const createResources = (deps: SubgraphDeps): ProductsResources => ({
  changes: openEntityChanges({ redisUrl: deps.config.redisUrl, namespace: deps.namespace, log: deps.log }),
});

export const disposeResources = (resources: ProductsResources) => resources.changes.close();

/**
 * Stock and price changes keep every list's members and order (lists filter on category and
 * name and sort by id), so only the lists holding these products are dropped.
 */
export function announceProductUpdates(changes: EntityChanges, productIds: Iterable<string>): Promise<void> {
  return changes.publish([...new Set(productIds)].map((id) => ({ typename: 'Product', key: { id }, reshapesLists: false })));
}
