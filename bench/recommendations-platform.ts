/**
 * The embedded platform the recommendations scenarios load (bench/recommendations.ts and its
 * operation-size scenario): a seeded catalogue, a model repository the caller owns (one training
 * serves every platform seeded alike), the candidate cache off so every operation reaches its
 * pipeline. 127.0.0.1 only (ephemeral ports, in-memory PGlite, no Redis).
 */
import type { SeedOptions } from '../prisma/seed';
import { loadConfig, RATE_LIMIT_DEFAULTS } from '../platform/config';
import { startPlatform } from '../scripts/platform';

export const JWT_SECRET = 'bench-secret';

/** The catalogue the throughput and A/B scenarios have always measured on. */
export const BENCH_SEED: Readonly<SeedOptions> = { seed: 17, users: 300, products: 2000, orders: 6000 };

/** Long enough that the models answer, not the popularity fallback: those scenarios measure the models' cost. */
const GENEROUS_DEADLINE_MS = 30_000;

type RecommendationsSettings = ReturnType<typeof loadConfig>['recommendations'];

export interface BenchPlatformOptions {
  rateLimitOff?: boolean;
  /** The inference deadline; 30 s unless a scenario measures another (the shipped default, say). */
  deadlineMs?: number;
  /** The seeded catalogue; a repository trained on one catalogue must not serve another. */
  seed?: Readonly<SeedOptions>;
}

export function startBenchPlatform(
  repository: string,
  recommendations: Partial<RecommendationsSettings>,
  options: BenchPlatformOptions = {},
) {
  return startPlatform({
    ephemeralPorts: true,
    inMemory: true,
    seed: { ...(options.seed ?? BENCH_SEED) },
    config: {
      jwtSecret: JWT_SECRET,
      internalSecret: 'bench-internal',
      databaseUrl: undefined,
      redisUrl: undefined,
      modelRepository: repository,
      inferenceDeadlineMs: options.deadlineMs ?? GENEROUS_DEADLINE_MS,
      recommendations: { ...loadConfig().recommendations, cache: false, ...recommendations },
      ...(options.rateLimitOff ? { rateLimit: { ...RATE_LIMIT_DEFAULTS, enabled: false } } : {}),
    },
  });
}
