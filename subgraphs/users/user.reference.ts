import type { SubgraphContext } from '../kit/context';
import type { UsersLoaders } from './loaders';
import type { User } from './user';

/**
 * Other subgraphs hand the gateway `{ id }`; all references of one request resolve in one query.
 * The loader applies user.access.ts: an account the viewer may not read resolves to null.
 */
export function resolveUserReference(reference: Pick<User, 'id'>, context: SubgraphContext<UsersLoaders>) {
  return context.loaders.user.load(reference.id);
}
