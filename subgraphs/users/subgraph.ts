import { startAuditSweeper, type AuditSweeper } from '../kit/audit';
import type { SubgraphDefinition } from '../kit/definition';
import { AuditResolver } from './audit.resolver';
import { createLoaders, type UsersLoaders } from './loaders';
import { PartnerResolver } from './partner.resolver';
import { UserResolver } from './resolver';
import { resolveUserReference } from './user.reference';
import { DataExportResolver, startDataExportWorker, type DataExportWorker } from './exports';
import { consumeWebhookEvents, startWebhookWorker, WebhookResolver, type WebhookWorker } from './webhooks';

export interface UsersResources {
  webhooks: WebhookWorker;
  exports: DataExportWorker;
  audit: AuditSweeper;
}

export const usersSubgraph: SubgraphDefinition<UsersLoaders, UsersResources> = {
  name: 'users',
  resolvers: [UserResolver, PartnerResolver, WebhookResolver, DataExportResolver, AuditResolver],
  referenceResolvers: { User: { __resolveReference: resolveUserReference } },
  createLoaders,
  init: (deps) => ({
    webhooks: startWebhookWorker(deps),
    exports: startDataExportWorker(deps),
    // The users service owns the audit log's reading, so it prunes it; background work, like the relay's.
    audit: startAuditSweeper({ prisma: deps.backgroundPrisma ?? deps.prisma, config: deps.config.audit, log: deps.log }),
  }),
  consumeEvents: (deps, resources) => consumeWebhookEvents(deps, resources.webhooks),
  dispose: async (resources) => {
    await Promise.all([resources.webhooks.close(), resources.exports.close(), resources.audit.close()]);
  },
};
