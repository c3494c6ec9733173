/**
 * The platform's entry points for training: train ALS on interactions and publish both served
 * models as the next version (running servers pick it up without a restart), and `ensureModel`
 * for start-up, which trains only when the repository has no recommender yet.
 */
import { SingleBar, Presets } from 'cli-progress';
import { serviceLogger } from '../../platform/logger';
import { listVersions } from '../repository/model-repository';
import { trainAls, type AlsOptions } from './als';
import { RECOMMENDER, publishTrainedModels, type PublishedModels } from './export-models';
import { buildInteractionMatrix, type Interaction, type InteractionSource } from './interactions';

export interface TrainOptions extends Partial<Omit<AlsOptions, 'onEpoch'>> {
  repository: string;
  /** Fix the user rows (e.g. every user in the database, not only buyers); others are appended. */
  userIds?: string[];
  /** Fix the item columns (e.g. every product, so new products can still be scored and mapped). */
  itemIds?: string[];
  /** Items returned per row by the served models. */
  k?: number;
  maxBatchSize?: number;
  /** Show a cli-progress bar on stderr (default: when stderr is a terminal). */
  progress?: boolean;
}

export interface TrainResult extends PublishedModels {
  users: number;
  items: number;
  interactions: number;
  seconds: number;
}

/** Settings for the embedded `npm start` (seconds on ~30k orders; quality is secondary there). */
export const EMBEDDED_TRAINING: Partial<AlsOptions> = { factors: 32, epochs: 6, regularization: 10, alpha: 10 };

/** Settings that won on MovieLens 100K leave-latest-out (see inference/README.md). */
export const EVALUATED_TRAINING: Partial<AlsOptions> = { factors: 32, epochs: 12, regularization: 10, alpha: 10 };

export async function trainAndPublish(interactions: Interaction[], options: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const matrix = buildInteractionMatrix(interactions, { userIds: options.userIds, itemIds: options.itemIds });
  if (matrix.items.length === 0) throw new Error('cannot train a recommender without items');
  const { repository, k, maxBatchSize, progress, userIds: _u, itemIds: _i, ...als } = options;
  const settings = { ...EVALUATED_TRAINING, ...definedOnly(als) };
  const bar =
    (progress ?? Boolean(process.stderr.isTTY))
      ? new SingleBar({ format: 'training ALS [{bar}] {value}/{total} epochs | {duration}s' }, Presets.shades_classic)
      : undefined;
  bar?.start(settings.epochs ?? 1, 0);
  const model = trainAls(matrix, { ...settings, onEpoch: (epoch) => bar?.update(epoch) });
  bar?.stop();
  const published = await publishTrainedModels(
    repository,
    model,
    { users: matrix.users, items: matrix.items },
    {
      k,
      maxBatchSize,
      training: { algorithm: 'implicit-als', ...settings, interactions: interactions.length },
    },
  );
  const result = {
    ...published,
    users: matrix.users.length,
    items: matrix.items.length,
    interactions: interactions.length,
    seconds: (performance.now() - started) / 1000,
  };
  serviceLogger('inference').info(result, 'trained and published recommender models');
  return result;
}

/**
 * Start-up hook: when the repository has no recommender version yet, load the interactions and
 * train with the embedded settings; otherwise do nothing. Returns what it trained, or undefined.
 */
export async function ensureModel(
  repository: string,
  source: InteractionSource,
  options: Omit<TrainOptions, 'repository'> = {},
): Promise<TrainResult | undefined> {
  if ((await listVersions(repository, RECOMMENDER)).length > 0) return undefined;
  return trainAndPublish(await source.load(), { ...EMBEDDED_TRAINING, progress: false, ...options, repository });
}

/** Drops keys whose value is undefined, so CLI flags that were not given keep the defaults. */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
