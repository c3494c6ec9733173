/** Stock and category of products, asked of the products subgraph (which owns them) in one call per batch. */
import DataLoader from 'dataloader';
import type { ServiceClient } from '../../kit/service-client';
import type { Viewer } from '../../../platform/viewer';
import type { ProductFacts } from '../presentation/business-rules';

const FACTS = `query ProductFacts($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Product { id stock category } }
}`;

const SERVICE: Viewer = { roles: ['service'] };

/** Rejects with SERVICE_UNAVAILABLE when the products service does not answer within `deadlineMs`. */
export async function fetchProductFacts(
  services: ServiceClient,
  ids: string[],
  deadlineMs: number,
): Promise<Map<string, ProductFacts | null>> {
  if (ids.length === 0) return new Map();
  const { _entities } = await services.request<{ _entities: ({ id: string; stock: number; category: string } | null)[] }>(
    'products',
    FACTS,
    { representations: ids.map((id) => ({ __typename: 'Product', id })) },
    SERVICE,
    { timeoutMs: deadlineMs },
  );
  return new Map(
    ids.map((id, index) => [id, _entities[index] ? { stock: _entities[index]!.stock, category: _entities[index]!.category } : null]),
  );
}

export const productFactsLoader = (services: ServiceClient, deadlineMs: number, batch = true) =>
  new DataLoader<string, ProductFacts | null>(
    async (ids) => {
      const facts = await fetchProductFacts(services, [...ids], deadlineMs);
      return ids.map((id) => facts.get(id) ?? null);
    },
    { batch },
  );
