/**
 * What the users service holds for its lifetime: the partner webhook worker, and the broadcast on
 * which it tells gateways at once that a user was erased (platform/erased-subjects.ts).
 */
import { openBroadcast, type Broadcast } from '../../platform/broadcast';
import type { SubgraphDeps } from '../kit/definition';
import { startWebhookWorker, type WebhookWorker } from './webhooks';

export interface UsersResources {
  webhooks: WebhookWorker;
  broadcast: Broadcast;
}

export function createResources(deps: SubgraphDeps): UsersResources {
  return {
    webhooks: startWebhookWorker(deps),
    broadcast: openBroadcast({ redisUrl: deps.config.redisUrl, namespace: deps.namespace, log: deps.log }),
  };
}

export async function disposeResources(resources: UsersResources): Promise<void> {
  await Promise.all([resources.webhooks.close(), resources.broadcast.close()]);
}
