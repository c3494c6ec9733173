/**
 * What the users service holds for its lifetime: the partner webhook worker, the data export
 * worker, the audit log's retention sweeper, the meter of pending erasures, and the broadcast on which it tells gateways at once
 * that a user was erased (platform/erased-subjects.ts).
 */
import { openBroadcast, type Broadcast } from '../../platform/broadcast';
import { startAuditSweeper, type AuditSweeper } from '../kit/audit';
import type { SubgraphDeps } from '../kit/definition';
import { startErasureBacklogMeter, type ErasureBacklogMeter } from './erasure.backlog';
import { startDataExportWorker, type DataExportWorker } from './exports';
import { startWebhookWorker, type WebhookWorker } from './webhooks';

export interface UsersResources {
  webhooks: WebhookWorker;
  exports: DataExportWorker;
  audit: AuditSweeper;
  erasures: ErasureBacklogMeter;
  broadcast: Broadcast;
}

export function createResources(deps: SubgraphDeps): UsersResources {
  return {
    webhooks: startWebhookWorker(deps),
    exports: startDataExportWorker(deps),
    // The users service owns the audit log's reading, so it prunes it; background work, like the relay's.
    audit: startAuditSweeper({ prisma: deps.backgroundPrisma ?? deps.prisma, config: deps.config.audit, log: deps.log }),
    erasures: startErasureBacklogMeter(deps.backgroundPrisma ?? deps.prisma, deps.log),
    broadcast: openBroadcast({ redisUrl: deps.config.redisUrl, namespace: deps.namespace, log: deps.log }),
  };
}

export async function disposeResources(resources: UsersResources): Promise<void> {
  await Promise.all([
    resources.webhooks.close(),
    resources.exports.close(),
    resources.audit.close(),
    resources.erasures.close(),
    resources.broadcast.close(),
  ]);
}
