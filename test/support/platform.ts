/**
 * Starts the real platform (gateway + five subgraphs, real HTTP on ephemeral ports, a real
 * database, Redis when REDIS_URL is set) and hands tests a real GraphQL client for it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GraphQLClient } from 'graphql-request';
import { signToken } from '../../gateway/plugins/http/auth/token';
import type { SeedOptions } from '../../prisma/seed';
import { startPlatform, type RunningPlatform } from '../../scripts/platform';
import type { PlatformConfig } from '../../platform/config';
import type { Role } from '../../platform/viewer';
import { createTestDatabase } from './database';

export const TEST_JWT_SECRET = 'integration-test-jwt-secret';
export const SMALL_SEED: Partial<SeedOptions> = { seed: 7, users: 60, products: 300, orders: 600 };

export interface TestPlatform {
  platform: RunningPlatform;
  /** Prefix of this platform's Redis keys and channels (another replica must use the same). */
  eventNamespace: string;
  url: string;
  /** A GraphQL client that sends this token (none: anonymous). */
  client(token?: string): GraphQLClient;
  token(userId: string, roles?: Role[]): Promise<string>;
  /** Places an order of one unit of a product in stock, as the user of `token`; resolves with the order id. */
  placeOrder(token: string, idempotencyKey: string): Promise<string>;
  close(): Promise<void>;
}

export interface TestPlatformOptions {
  /** Start the inference server with a freshly trained model (in a temporary repository). */
  inference?: boolean;
  /** Subscriptions one client connection may hold (the gateway's limit). */
  subscriptionsPerConnection?: number;
  /** Redis to use instead of REDIS_URL (a proxy in front of it that a test can stop). */
  redisUrl?: string;
  /** Settings a test needs other than the defaults below (applied last). */
  config?: Partial<PlatformConfig>;
}

export async function startTestPlatform(seed: Partial<SeedOptions> = SMALL_SEED, options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const database = await createTestDatabase();
  const eventNamespace = `test-${crypto.randomUUID()}`;
  const platform = await startPlatform({
    ephemeralPorts: true,
    inMemory: true,
    // The seed ends at this moment, not at the start of the UTC day (the demo's default): the
    // features the ranker is trained and served on (ages, windows, time since the last purchase),
    // and anything that expires from the wall clock, then see the same data at any hour a test runs.
    seed: { now: new Date(), ...seed },
    eventNamespace,
    inference: options.inference ?? false,
    config: {
      databaseUrl: database.url,
      redisUrl: options.redisUrl ?? (process.env.REDIS_URL || undefined),
      jwtSecret: TEST_JWT_SECRET,
      internalSecret: 'integration-test-internal-secret',
      host: '127.0.0.1',
      subscriptionLimits: { perConnection: options.subscriptionsPerConnection ?? 50, total: 10_000 },
      modelRepository: fs.mkdtempSync(path.join(os.tmpdir(), 'models-')),
      // Without our inference server, point at a port nothing listens on (never at a developer's running one).
      inferenceUrl: 'http://127.0.0.1:9',
      ...options.config,
    },
  }).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  const url = platform.gateway.url;
  return {
    platform,
    eventNamespace,
    url,
    client: (token) => new GraphQLClient(url, { headers: token ? { authorization: `Bearer ${token}` } : {} }),
    token: (userId, roles = ['customer']) => signToken(TEST_JWT_SECRET, { userId, roles }),
    async placeOrder(token, idempotencyKey) {
      const anonymous = new GraphQLClient(url);
      const { products } = await anonymous.request<{ products: { edges: { node: { id: string; stock: number } }[] } }>(
        'query { products(first: 50) { edges { node { id stock } } } }',
      );
      const productId = products.edges.find((edge) => edge.node.stock > 10)!.node.id;
      const { placeOrder } = await new GraphQLClient(url, { headers: { authorization: `Bearer ${token}` } }).request<{
        placeOrder: { id: string };
      }>('mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }', {
        input: { idempotencyKey, items: [{ productId, quantity: 1 }] },
      });
      return placeOrder.id;
    },
    async close() {
      await platform.close();
      await database.drop();
      fs.rmSync(platform.config.modelRepository, { recursive: true, force: true });
    },
  };
}

/** The GraphQL errors of a failed request made with graphql-request. */
export async function graphqlErrors(request: Promise<unknown>): Promise<{ message: string; extensions?: Record<string, unknown> }[]> {
  try {
    await request;
  } catch (error) {
    const errors = (error as { response?: { errors?: { message: string; extensions?: Record<string, unknown> }[] } }).response?.errors;
    if (errors) return errors;
    throw error;
  }
  throw new Error('expected the request to fail with GraphQL errors');
}
