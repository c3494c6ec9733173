/**
 * The popularity baseline: most-bought products overall, and products bought by the same
 * customers. The model-backed recommender replaces the first and keeps this as its fallback.
 */
import type { PrismaClient } from '../../../prisma/database';
import { mostPopular, type CoPurchase, type Popularity } from '../data';
import { recommendation, RecommendationReason, type Recommendation } from '../presentation/recommendation';

const POPULARITY_TTL_MS = 30_000;

/** Popularity changes slowly; one query per service every 30 s serves every request. */
export class PopularityCache {
  private cached?: { at: number; value: Promise<Popularity[]> };

  constructor(private readonly prisma: PrismaClient) {}

  get(): Promise<Popularity[]> {
    if (!this.cached || Date.now() - this.cached.at > POPULARITY_TTL_MS) {
      const value = mostPopular(this.prisma);
      this.cached = { at: Date.now(), value };
      value.catch(() => (this.cached = undefined));
    }
    return this.cached.value;
  }
}

export function popularFor(popular: Popularity[], exclude: Set<string>, first: number): Recommendation[] {
  const top = popular[0]?.buyers ?? 1;
  return popular
    .filter((entry) => !exclude.has(entry.productId))
    .slice(0, first)
    .map((entry) => recommendation(entry.productId, entry.buyers / top, RecommendationReason.POPULAR));
}

export function similarTo(productId: string, coBought: CoPurchase[], popular: Popularity[], first: number): Recommendation[] {
  const ranked = [...coBought].sort((a, b) => b.buyers - a.buyers || a.target.localeCompare(b.target)).slice(0, first);
  const top = ranked[0]?.buyers ?? 1;
  const result = ranked.map((entry) => recommendation(entry.target, entry.buyers / top, RecommendationReason.CO_PURCHASED));
  if (result.length < first) {
    const taken = new Set([productId, ...ranked.map((entry) => entry.target)]);
    // Popular fill-ins rank below every co-purchase.
    const filler = popularFor(popular, taken, first - result.length).map((entry) => ({ ...entry, score: entry.score * 0.5 }));
    result.push(...filler.map((entry) => recommendation(entry.productId, entry.score, entry.reason)));
  }
  return result;
}
