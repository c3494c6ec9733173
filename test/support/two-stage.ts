/**
 * Small worlds for the two-stage pipeline's tests: sequences with a planted pattern (whoever takes
 * A takes B next) and small models trained on them, published to a temporary repository and
 * served by the real inference server on 127.0.0.1:0.
 */
import pino from 'pino';
import { startInferenceServer, type RunningInferenceServer } from '../../inference';
import { tempRepository } from '../../inference/test/helpers';
import type { Interaction } from '../../training/interactions';
import { seededRandom } from '../../training/rng';
import { trainAndPublish, type TrainOptions } from '../../training/train-and-publish';
import { InferenceClient } from '../../subgraphs/recommendations/transport/inference-client';

export interface PlantedWorld {
  items: string[];
  users: string[];
  a: string;
  b: string;
  /** Distinct items per user. */
  length: number;
  seed: number;
}

/**
 * Each user's sequence of `length` distinct random items, in which B always follows A at once;
 * every third user who did not meet A gets A then B somewhere (never at the very end).
 */
export function plantedSequences({ items, users, a, b, length, seed }: PlantedWorld): string[][] {
  const random = seededRandom(seed);
  return users.map((_, u) => {
    const sequence: string[] = [];
    while (sequence.length < length) {
      const item = items[Math.floor(random() * items.length)];
      if (item === b || sequence.includes(item)) continue;
      sequence.push(item);
      if (item === a && sequence.length < length) sequence.push(b);
    }
    if (u % 3 === 0 && !sequence.includes(a)) sequence.splice(Math.floor(random() * (length - 2)), 2, a, b);
    return sequence;
  });
}

/** Training small enough for a test: a few factors and epochs, a small ranker (or none, as before the pipeline). */
export const SMALL_TRAINING = {
  factors: 8,
  epochs: 4,
  twoStage: { heldBack: 4, maxQueries: 2000, ranker: { epochs: 10, hidden: 8, seed: 1 } },
  progress: false,
} satisfies Partial<TrainOptions>;

export interface ServedModels {
  server: RunningInferenceServer;
  client: InferenceClient;
  close(): Promise<void>;
}

/** Trains on `interactions`, serves the repository, and gives a client to it; `close` undoes all three. */
export async function serveTrainedModels(
  interactions: Interaction[],
  options: Omit<TrainOptions, 'repository'> = SMALL_TRAINING,
): Promise<ServedModels> {
  const repository = await tempRepository();
  try {
    await trainAndPublish(interactions, { ...options, repository: repository.dir });
    const server = await startInferenceServer({
      port: 0,
      host: '127.0.0.1',
      modelRepository: repository.dir,
      pollIntervalMs: 0,
      executionProviders: ['cpu'],
    });
    const client = new InferenceClient({ baseUrl: server.url, log: pino({ level: 'silent' }) });
    return {
      server,
      client,
      async close() {
        client.close();
        await server.close();
        await repository.remove();
      },
    };
  } catch (error) {
    await repository.remove();
    throw error;
  }
}
