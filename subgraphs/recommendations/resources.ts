/**
 * What the recommendations service holds for its lifetime: the inference client (with its circuit
 * breaker), the candidate cache, the popularity cache, the recommender built on them, the A/B
 * router between the one-stage and two-stage pipelines with the impressions it is judged by, and
 * the live updates its subscriptions receive (./live.ts; watched users get MODEL_UPDATED when a new
 * model version goes live).
 */
import { openBroadcast } from '../../platform/broadcast';
import { openEntityChanges } from '../../platform/entity-changes';
import { ProductFactsMemory } from './transport/product-facts';
import type { SubgraphDeps } from '../kit/definition';
import type { ServiceClient } from '../kit/service-client';
import { MemoryCandidateCache, NoCandidateCache, RedisCandidateCache, type CandidateCache } from './pipelines/cache';
import type { UserCandidateSource } from './pipelines/candidate-source';
import { MemoryImpressionStore, RedisImpressionStore, type ImpressionStore } from './experiments/impressions';
import { InferenceClient } from './transport/inference-client';
import { LiveRecommendations } from './updates/live';
import { RECOMMENDER } from '../../platform/model-contract';
import { RecommendationModels } from './transport/model-client';
import { PopularityCache } from './pipelines/popularity';
import { Recommender } from './pipelines/one-stage';
import { currentUpdateItems } from './updates/refresh';
import { createTwoStageRecommender } from './pipelines/two-stage/recommender';
import { VariantRouter } from './experiments/variant-router';

export interface RecommendationsResources {
  services: ServiceClient;
  /** How long stock and category may take from the products service before lists are made without them. */
  productsDeadlineMs: number;
  /** Stock and category of recently asked products, dropped as the products service announces changes. */
  productFacts: ProductFactsMemory;
  /** False only to measure what per-request batching is worth (RECOMMENDATIONS_BATCHING=off). */
  batching: boolean;
  client: InferenceClient;
  cache: CandidateCache;
  popularity: PopularityCache;
  /** The one-stage pipeline; it also answers Product.similar, which is outside the A/B. */
  recommender: Recommender;
  /** User candidates through the A/B router: each user's pipeline, each list tagged with its variant. */
  candidates: UserCandidateSource;
  /** Which variant last showed which product to which user, for attributing later interactions. */
  impressions: ImpressionStore;
  /** Live updates: published to every replica, handed to the subscriptions here. */
  live: LiveRecommendations;
  stopWatchingModel(): void;
}

const MODEL_POLL_MS = 5_000;

export function createResources(deps: SubgraphDeps): RecommendationsResources {
  const { config, prisma, log } = deps;
  const client = new InferenceClient({ baseUrl: config.inferenceUrl, log, tracer: deps.tracing?.tracer });
  const cache: CandidateCache = !config.recommendations.cache
    ? new NoCandidateCache()
    : config.redisUrl
      ? new RedisCandidateCache(config.redisUrl, deps.namespace, log)
      : new MemoryCandidateCache();
  const popularity = new PopularityCache(prisma);
  const models = new RecommendationModels(client);
  const deadlineMs = config.inferenceDeadlineMs;
  const recommender = new Recommender(prisma, models, cache, popularity, deadlineMs, log);
  const twoStage = createTwoStageRecommender({ prisma, models, cache, popularity, deadlineMs, log, stepDown: recommender });
  const candidates = new VariantRouter(recommender, twoStage, config.recommendations.twoStagePercent, log);
  const impressions: ImpressionStore = config.redisUrl
    ? new RedisImpressionStore(config.redisUrl, deps.namespace, log)
    : new MemoryImpressionStore();
  const sources = { services: deps.services, productsDeadlineMs: config.recommendations.productsDeadlineMs, candidates, popularity };
  const broadcast = openBroadcast({ redisUrl: config.redisUrl, namespace: deps.namespace, log });
  return {
    ...sources,
    batching: config.recommendations.batching,
    productFacts: new ProductFactsMemory(openEntityChanges({ redisUrl: config.redisUrl, namespace: deps.namespace, log })),
    client,
    cache,
    recommender,
    impressions,
    live: new LiveRecommendations(broadcast, (userId) => currentUpdateItems(sources, userId), log),
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
  await Promise.all([resources.cache.close(), resources.impressions.close(), resources.live.close(), resources.productFacts.close()]);
}
