/** Partner webhooks in the users subgraph: what subgraph.ts wires in. */
import type { SubgraphDeps } from '../../kit/definition';
import { consumeWebhookEvents } from './consumer';
import { WebhookResolver } from './resolver';
import { WebhookWorker } from './worker';

export { WebhookResolver, consumeWebhookEvents, WebhookWorker };

/** Starts this replica's delivery worker (on the background client, so request SQL counts stay the requests'). */
export function startWebhookWorker(deps: SubgraphDeps): WebhookWorker {
  const worker = new WebhookWorker(
    deps.backgroundPrisma ?? deps.prisma,
    deps.log.child({ component: 'webhooks' }),
    deps.config.webhooks,
    undefined,
    undefined,
    deps.tracing?.tracer,
  );
  worker.start();
  return worker;
}
