/**
 * The platform's entry points for training: train ALS on interactions and publish both served
 * models as the next version (running servers pick it up without a restart), and `ensureModel`
 * for start-up, which trains only when the repository has no recommender yet.
 */
import { SingleBar, Presets } from 'cli-progress';
import { serviceLogger } from '../platform/logger';
import { FEATURE_NAMES } from '../ranking/features';
import { listVersions, readVersionMetadata } from '../inference/repository/model-repository';
import { trainAls, type AlsOptions } from './als';
import { RECALL_DEPTH } from '../ranking/candidates';
import { RECOMMENDER, TWO_STAGE_MODELS } from '../platform/model-contract';
import { publishTrainedModels, type PublishedModels } from './export-models';
import { publishTwoStageModels, type PublishedTwoStage } from './export-two-stage';
import { buildInteractionMatrix, type Interaction, type InteractionSource } from './interactions';
import { EMBEDDED_TWO_STAGE, EVALUATED_TWO_STAGE, trainTwoStage, type TwoStageOptions } from './two-stage';

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
  /** Content tokens per item (genres; category, price band) for the content recall model. */
  content?: ReadonlyMap<string, readonly string[]>;
  /** Two-stage pipeline settings (recall models + ranker); false trains the one-stage models only. */
  twoStage?: TwoStageOptions | false;
  /** Versions no longer served that each publish keeps for rollback (MODEL_KEEP_VERSIONS; default its default). */
  keepVersions?: number;
  /** Users erased from the platform: blanked in the id maps of the versions each publish leaves on disk. */
  erasedUserIds?: string[];
}

export interface TrainResult extends PublishedModels {
  /** Versions of the two-stage models; absent when they were not trained. */
  twoStage?: PublishedTwoStage;
  users: number;
  items: number;
  interactions: number;
  seconds: number;
}

/** Settings for the embedded `npm start`: a first model quickly, quality is secondary there (timing in inference/README.md). */
export const EMBEDDED_TRAINING: Partial<AlsOptions> = { factors: 32, epochs: 6, regularization: 10, alpha: 10 };

/** Settings that won on MovieLens 100K leave-latest-out (docs/recommendations.md, "How the settings were chosen"). */
export const EVALUATED_TRAINING: Partial<AlsOptions> = { factors: 32, epochs: 12, regularization: 10, alpha: 10 };

export async function trainAndPublish(interactions: Interaction[], options: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const matrix = buildInteractionMatrix(interactions, { userIds: options.userIds, itemIds: options.itemIds });
  if (matrix.items.length === 0) throw new Error('cannot train a recommender without items');
  const {
    repository,
    k,
    maxBatchSize,
    progress,
    userIds: _u,
    itemIds: _i,
    content,
    twoStage,
    keepVersions,
    erasedUserIds,
    ...als
  } = options;
  const retention = { keepUnserved: keepVersions, erasedUserIds };
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
      retention,
    },
  );
  let publishedTwoStage: PublishedTwoStage | undefined;
  if (twoStage !== false) {
    const settingsTwoStage = twoStage ?? EVALUATED_TWO_STAGE;
    const models = trainTwoStage(
      interactions,
      { users: matrix.users, items: matrix.items },
      content ?? new Map(),
      settings,
      settingsTwoStage,
    );
    publishedTwoStage = await publishTwoStageModels(repository, models, matrix.items, {
      k: Math.max(...Object.values(RECALL_DEPTH)),
      maxBatchSize: maxBatchSize ?? 256,
      training: {
        algorithm: 'two-stage',
        heldBack: settingsTwoStage.heldBack,
        ranker: settingsTwoStage.ranker,
        interactions: interactions.length,
      },
      retention,
    });
  }
  const result = {
    ...published,
    twoStage: publishedTwoStage,
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
  const missing = async (model: string) => (await listVersions(repository, model)).length === 0;
  // A repository from before the two-stage pipeline has no ranker, and one from before the
  // features last changed has a ranker that cannot score today's rows: train everything once more.
  if (!(await missing(RECOMMENDER)) && !(await rankerOutdated(repository))) return undefined;
  const content = source.content ? await source.content() : undefined;
  const erasedUserIds = source.erasedUserIds ? await source.erasedUserIds() : undefined;
  return trainAndPublish(await source.load(), {
    ...EMBEDDED_TRAINING,
    twoStage: EMBEDDED_TWO_STAGE,
    progress: false,
    content,
    erasedUserIds,
    ...options,
    repository,
  });
}

/** True when there is no ranker, or the latest one was trained on another feature vector than FEATURE_NAMES. */
async function rankerOutdated(repository: string): Promise<boolean> {
  const versions = await listVersions(repository, TWO_STAGE_MODELS.ranker);
  if (versions.length === 0) return true;
  const { features } = await readVersionMetadata(repository, TWO_STAGE_MODELS.ranker, Math.max(...versions));
  return JSON.stringify(features) !== JSON.stringify(FEATURE_NAMES);
}

/** Drops keys whose value is undefined, so CLI flags that were not given keep the defaults. */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
