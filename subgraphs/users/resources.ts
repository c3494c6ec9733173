/**
 * What the users service holds for its lifetime: the partner webhook worker, the data export
 * worker, the audit log's retention sweeper, the meter of pending erasures, and the broadcast on which it tells gateways at once
 * that a user was erased (platform/erased-subjects.ts).
 */
import { openBroadcast, type Broadcast } from '../../platform/broadcast';
import { startAuditSweeper, type AuditSweeper } from '../kit/audit';
import type { SubgraphDeps } from '../kit/definition';
import type { PrismaClient } from '../../prisma/database';
import { startErasureBacklogMeter, type ErasureBacklogMeter } from './erasure.backlog';
import { startDataExportWorker, type DataExportWorker } from './exports';
import { startWebhookWorker, type WebhookWorker } from './webhooks';

export interface UsersResources {
  /**
   * The client background work reads on (the relay's, in the embedded platform): every gateway
   * replica's erased-subjects poll too, so client requests never queue behind the platform's
   * own polls.
   */
  background: PrismaClient;
  webhooks: WebhookWorker;
  exports: DataExportWorker;
  audit: AuditSweeper;
  erasures: ErasureBacklogMeter;
  broadcast: Broadcast;
}

export function createResources(deps: SubgraphDeps): UsersResources {
  const background = deps.backgroundPrisma ?? deps.prisma;
  return {
    background,
    webhooks: startWebhookWorker(deps),
    exports: startDataExportWorker(deps),
    // The users service owns the audit log's reading, so it prunes it; background work, like the relay's.
    audit: startAuditSweeper({ prisma: background, config: deps.config.audit, log: deps.log }),
    erasures: startErasureBacklogMeter(background, deps.log),
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
