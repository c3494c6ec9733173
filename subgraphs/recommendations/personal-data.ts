/**
 * The recommendations part of a personal data export (platform/privacy-export.ts): interactions,
 * hidden products, the recommender's copy of purchases, the impressions the A/B attributes
 * against, and the model versions trained on the user's data. Internal, like ordersPersonalData.
 *
 * Model versions are asked of the inference server (the model repository's owner) the way the
 * recommender reads them: the versions it serves and each one's published id map. Only the
 * recommender's id map names users; the item-to-item, recall and ranker models map product ids
 * only. Versions on disk that the server no longer serves are not visible from here; each publish
 * blanks erased users in every version it leaves on disk (inference/repository/retention.ts).
 */
import { Arg, Ctx, Directive, ID, Query, Resolver } from 'type-graphql';
import type { PrismaClient } from '../../prisma/database';
import { ERASED_USER, idsParameter, RECOMMENDER, type IdMaps } from '../../platform/model-contract';
import type { RecommendationsPart } from '../../platform/privacy-export';
import { requireService } from '../../platform/viewer';
import type { SubgraphContext } from '../kit/context';
import type { ImpressionStore } from './experiments/impressions';
import type { RecommendationsLoaders } from './presentation/loaders';
import { InferenceUnavailable, type InferenceClient } from './transport/inference-client';

/** The part of a served ModelConfig read here. */
interface ServedConfig {
  parameters?: Record<string, { string_value?: string }>;
}

/** Served versions of the recommender whose id map contains the user; none when no model is published yet. */
export async function modelVersionsTrainedOn(client: InferenceClient, userId: string, deadline: AbortSignal) {
  let versions: string[];
  try {
    ({ versions } = await client.getJson<{ versions: string[] }>(`/v2/models/${RECOMMENDER}`, deadline));
  } catch (error) {
    // 404: nothing published yet, so nothing was trained on anyone. Any other failure is retried by the export.
    if (error instanceof InferenceUnavailable && error.status === 404) return [];
    throw error;
  }
  const found: { model: string; version: string }[] = [];
  for (const version of [...versions].sort((a, b) => Number(a) - Number(b))) {
    const config = await client.getJson<ServedConfig>(`/v2/models/${RECOMMENDER}/versions/${version}/config`, deadline);
    const text = config.parameters?.[idsParameter(version)]?.string_value;
    if (text === undefined) throw new Error(`config of ${RECOMMENDER} version ${version} has no ${idsParameter(version)} parameter`);
    const ids = JSON.parse(text) as IdMaps;
    if (userId !== ERASED_USER && (ids.users ?? []).includes(userId)) found.push({ model: RECOMMENDER, version });
  }
  return found;
}

export async function recommendationsPartOf(
  prisma: PrismaClient,
  impressions: ImpressionStore,
  client: InferenceClient,
  userId: string,
  deadline: AbortSignal,
): Promise<RecommendationsPart> {
  const [interactions, hidden, purchases, shown, modelVersions] = await Promise.all([
    prisma.interaction.findMany({ where: { userId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    prisma.blockedProduct.findMany({ where: { userId }, orderBy: [{ createdAt: 'asc' }, { productId: 'asc' }] }),
    prisma.purchase.findMany({ where: { userId }, orderBy: [{ purchasedAt: 'asc' }, { orderId: 'asc' }, { productId: 'asc' }] }),
    impressions.impressionsOf(userId),
    modelVersionsTrainedOn(client, userId, deadline),
  ]);
  return {
    subgraph: 'recommendations',
    interactions: interactions.map((row) => ({
      id: row.id,
      productId: row.productId,
      kind: row.kind,
      createdAt: row.createdAt.toISOString(),
    })),
    hiddenProducts: hidden.map((row) => ({ productId: row.productId, createdAt: row.createdAt.toISOString() })),
    purchases: purchases.map((row) => ({
      orderId: row.orderId,
      productId: row.productId,
      quantity: row.quantity,
      purchasedAt: row.purchasedAt.toISOString(),
    })),
    impressions: shown.map((row) => ({ productId: row.productId, variant: row.variant, shownAt: new Date(row.shownAt).toISOString() })),
    modelVersions,
  };
}

/** How long the model-version reads may take; the export worker's own timeout bounds the whole call. */
const MODELS_DEADLINE_MS = 20_000;

@Resolver()
export class RecommendationsPersonalDataResolver {
  @Directive('@inaccessible')
  @Query(() => String, {
    description:
      "Internal (users export worker): the recommendations part of the user's personal data export, as JSON (docs/privacy-export.schema.json).",
  })
  async recommendationsPersonalData(
    @Arg('userId', () => ID, { description: 'The user the export is about.' }) userId: string,
    @Ctx() { viewer, prisma, loaders }: SubgraphContext<RecommendationsLoaders>,
  ): Promise<string> {
    requireService(viewer);
    const { impressions, client } = loaders.resources;
    return JSON.stringify(await recommendationsPartOf(prisma, impressions, client, userId, AbortSignal.timeout(MODELS_DEADLINE_MS)));
  }
}
