/**
 * Records `admin.denied` for every refusal by requireAdmin, in whichever subgraph and field it
 * happens: a plugin of the subgraph bootstrap sees a request's errors, so no resolver has to
 * remember to. Only signed-in callers' refusals: an anonymous caller is refused before any role
 * is considered (UNAUTHENTICATED) and would let anyone fill the log.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind } from 'graphql';
import { isAdminRefusal } from '../../../platform/viewer';
import type { SubgraphContext } from '../context';
import { recordAudit } from './append';
import { originOf } from './origin';

const ROOT_TYPE = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' } as const;

export function adminDenialsAudit<Context extends SubgraphContext<unknown>>(): ApolloServerPlugin<Context> {
  // One listener for every request: it keeps no state of its own.
  const listener: Awaited<ReturnType<NonNullable<ApolloServerPlugin<Context>['requestDidStart']>>> = {
    async didEncounterErrors({ errors, contextValue, operation }) {
      const refusals = errors.filter(isAdminRefusal);
      if (refusals.length === 0) return;
      const { viewer, prisma, log } = contextValue;
      const root = operation ? ROOT_TYPE[operation.operation] : 'Query';
      for (const refusal of refusals) {
        const node = refusal.nodes?.[0];
        const field = node?.kind === Kind.FIELD ? node.name.value : String(refusal.path?.[0] ?? 'unknown');
        await recordAudit(prisma, log, {
          action: 'admin.denied',
          actorId: viewer.userId ?? null,
          actorRoles: viewer.roles,
          detail: `${root}.${field}`,
          origin: originOf(viewer),
          outcome: 'denied',
        });
      }
    },
  };
  return { requestDidStart: async () => listener };
}
