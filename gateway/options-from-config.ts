/** The gateway's options as the platform's configuration sets them: one mapping for every process that starts a gateway. */
import type { PlatformConfig } from '../platform/config';
import { ideFromConfig } from './ide';
import type { GatewayOptions } from './server';

/** Everything but where the subgraphs answer and the logger, which the caller knows. */
export function gatewayOptionsFromConfig(config: PlatformConfig): Omit<GatewayOptions, 'subgraphUrls' | 'log'> {
  return {
    port: config.ports.gateway,
    host: config.host,
    metricsPort: config.gatewayMetricsPort,
    jwtSecret: config.jwtSecret,
    jwksUrl: config.jwksUrl,
    internalSecret: config.internalSecret,
    subscriptionLimits: config.subscriptionLimits,
    subgraphTimeoutMs: config.subgraphTimeoutMs,
    subgraphTimeoutsMs: config.subgraphTimeoutsMs,
    queryLimits: config.queryLimits,
    ide: ideFromConfig(config),
    introspection: config.introspection,
    rateLimit: config.rateLimit,
    redisUrl: config.redisUrl,
    redisNamespace: config.redisNamespace,
    trustProxy: config.trustProxy,
    websocket: config.websocket,
    partnerKeys: config.partnerKeys,
    erasedSubjects: config.erasedSubjects,
    entityCache: config.entityCache,
    singleFetchAnswers: config.singleFetchAnswers,
    deduplicateFetches: config.deduplicateFetches,
    metricsOperationNames: config.metricsOperationNames,
    clientTraceparent: config.telemetry.clientTraceparent,
  };
}
