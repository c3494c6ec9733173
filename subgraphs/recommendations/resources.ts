/**
 * What the recommendations service holds for its lifetime: the inference client (with its circuit
 * breaker), the candidate cache, the popularity cache, the recommender built on them, and the set
 * of users with live subscribers (who get MODEL_UPDATED when a new model version goes live).
 */
import type { SubgraphDeps } from '../kit/definition';
import type { ServiceClient } from '../kit/service-client';
import { MemoryCandidateCache, NoCandidateCache, RedisCandidateCache, type CandidateCache } from './cache';
import { InferenceClient } from './inference-client';
import { RECOMMENDER, RecommendationModels } from './model-client';
import { PopularityCache } from './popularity';
import { Recommender } from './recommender';

export interface RecommendationsResources {
  services: ServiceClient;
  /** How long stock and category may take from the products service before lists are made without them. */
  productsDeadlineMs: number;
  /** False only to measure what per-request batching is worth (RECOMMENDATIONS_BATCHING=off). */
  batching: boolean;
  client: InferenceClient;
  cache: CandidateCache;
  popularity: PopularityCache;
  recommender: Recommender;
  /** Users with at least one live subscriber here, and how many. */
  watchers: Map<string, number>;
  stopWatchingModel(): void;
}

const MODEL_POLL_MS = 5_000;

export function createResources(deps: SubgraphDeps): RecommendationsResources {
  const { config, prisma, log } = deps;
  const client = new InferenceClient({ baseUrl: config.inferenceUrl, log });
  const cache: CandidateCache = !config.recommendations.cache
    ? new NoCandidateCache()
    : config.redisUrl
      ? new RedisCandidateCache(config.redisUrl, deps.namespace, log)
      : new MemoryCandidateCache();
  const popularity = new PopularityCache(prisma);
  const recommender = new Recommender(prisma, new RecommendationModels(client), cache, popularity, config.inferenceDeadlineMs, log);
  return {
    services: deps.services,
    productsDeadlineMs: config.recommendations.productsDeadlineMs,
    batching: config.recommendations.batching,
    client,
    cache,
    popularity,
    recommender,
    watchers: new Map(),
    stopWatchingModel: () => undefined,
  };
}

/** Calls `onNewVersion` when the served recommender version changes (not for the first one seen). */
export function watchModelVersion(resources: RecommendationsResources, onNewVersion: (version: string) => void): void {
  let current: string | undefined;
  const poll = async () => {
    const version = await resources.client.latestVersion(RECOMMENDER, true).catch(() => undefined);
    if (!version) return;
    if (current !== undefined && version !== current) onNewVersion(version);
    current = version;
  };
  void poll();
  const timer = setInterval(() => void poll(), MODEL_POLL_MS);
  timer.unref();
  resources.stopWatchingModel = () => clearInterval(timer);
}

export async function disposeResources(resources: RecommendationsResources): Promise<void> {
  resources.stopWatchingModel();
  resources.client.close();
  await resources.cache.close();
}
