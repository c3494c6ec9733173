/**
 * A real gateway with no subgraph behind it (every subgraph URL a closed loopback port), for tests
 * of what the gateway answers by itself: its posture, its limits, its WebSocket sessions, the
 * client address it sees. Each test passes what it is about; the rest is fixed here.
 */
import pino from 'pino';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../gateway/server';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../platform/services';

const NO_SUBGRAPHS = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, 'http://127.0.0.1:9/graphql'])) as Record<SubgraphName, string>;

export function startGatewayAlone(options: Partial<GatewayOptions> = {}): Promise<RunningGateway> {
  return startGateway({
    port: 0,
    host: '127.0.0.1',
    jwtSecret: 'secret',
    internalSecret: 'internal',
    subgraphUrls: NO_SUBGRAPHS,
    subscriptionLimits: { perConnection: 1, total: 1 },
    subgraphTimeoutMs: 5_000,
    log: pino({ level: 'silent' }),
    ...options,
  });
}
