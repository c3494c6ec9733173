/**
 * `npm run train [-- --ml100k <folder>] [--out <repository>] [--factors n --epochs n --reg x --alpha x --seed n]`
 * Trains on the platform's database (DATABASE_URL, or the embedded PGlite) — or on MovieLens 100K
 * when --ml100k is given — and publishes the next version of every model (the one-stage recommender
 * and similar_items, the two-stage recall models and ranker) into the repository (default:
 * MODEL_REPOSITORY). A running inference server picks the new version up without a restart.
 */
import { loadConfig } from '../platform/config';
import { quietUnlessConfigured } from '../platform/logger';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ALS_FLAGS, alsOptions } from './cli-args';
import { openDatabase } from '../prisma/database';
import { migrate } from '../prisma/migrate';
import type { Interaction } from './interactions';
import { MovieLens100kSource } from './movielens';
import { PlatformInteractionSource } from './platform-source';
import { trainAndPublish } from './train-and-publish';

async function main(): Promise<void> {
  // stdout carries the result only; logs below warn would interleave with it.
  quietUnlessConfigured();
  const { values } = parseArgs({ options: { ...ALS_FLAGS, ml100k: { type: 'string' }, out: { type: 'string' } } });
  const folder = values.ml100k;
  const config = loadConfig();
  const repository = values.out ?? config.modelRepository;
  let interactions: Interaction[];
  let content: Map<string, string[]>;
  let ids: { userIds?: string[]; itemIds?: string[] } = {};
  // MovieLens has no erased users; the platform's are blanked in the versions publishing keeps.
  let erasedUserIds: string[] = [];
  if (folder) {
    const source = new MovieLens100kSource(folder);
    [interactions, content] = await Promise.all([source.load(), source.content()]);
  } else {
    const db = await openDatabase({ url: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') });
    try {
      await migrate(db);
      const source = new PlatformInteractionSource(db);
      [interactions, ids, content, erasedUserIds] = await Promise.all([
        source.load(),
        source.ids(),
        source.content(),
        source.erasedUserIds(),
      ]);
    } finally {
      await db.close();
    }
  }
  const result = await trainAndPublish(interactions, {
    repository,
    ...ids,
    content,
    erasedUserIds,
    keepVersions: config.modelKeepVersions,
    ...alsOptions(values),
    progress: true,
  });
  process.stdout.write(`${JSON.stringify({ repository, ...result })}\n`);
}

main().catch((error) => {
  process.stderr.write(`train failed: ${(error as Error).message}\n`);
  process.exit(1);
});
