/**
 * The quality bar, in one run: leave-latest-out on the given interactions, full ranking over every
 * item the user has not interacted with, HR@10 and NDCG@10 for ItemPop, item-KNN, EASE and the
 * served ONNX model. The model row goes through the same path as production: trainAndPublish →
 * model.onnx in a repository → onnxruntime session → top-K with the user's items excluded.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serviceLogger } from '../../platform/logger';
import { versionFile } from '../repository/model-repository';
import { OnnxSession } from '../runtime/onnx-session';
import type { AlsOptions } from '../training/als';
import { EXCLUDE_PAD, RECOMMENDER } from '../training/export-models';
import { buildInteractionMatrix, type Interaction, type InteractionMatrix } from '../training/interactions';
import { trainAndPublish } from '../training/train-and-publish';
import { ease, itemKnn, itemPop, type UserScorer } from './baselines';
import { hitAndNdcg, meanOf, rankOf, type HitRateNdcg } from './metrics';
import { leaveLatestOut } from './split';

export interface EvaluationReport {
  itemPop: HitRateNdcg;
  itemKNN: HitRateNdcg;
  ease: HitRateNdcg;
  model: HitRateNdcg;
}

export interface EvaluationDetails {
  users: number;
  items: number;
  trainInteractions: number;
  seconds: Record<keyof EvaluationReport, number>;
  als: Partial<AlsOptions>;
}

export interface EvaluationOptions {
  als?: Partial<AlsOptions>;
  easeLambda?: number;
  progress?: boolean;
  /** Skip the (slow, O(items³)) EASE row — tests on tiny data keep it, big catalogues may not. */
  skipEase?: boolean;
}

interface TestCase {
  user: number;
  item: number;
}

export async function runEvaluation(
  interactions: Interaction[],
  options: EvaluationOptions = {},
): Promise<{ report: EvaluationReport; details: EvaluationDetails }> {
  const logger = serviceLogger('inference');
  const { train, test } = leaveLatestOut(interactions);
  const userIds = [...new Set(interactions.map((i) => i.userId))];
  const itemIds = [...new Set(interactions.map((i) => i.itemId))];
  const matrix = buildInteractionMatrix(train, { userIds, itemIds });
  const userIndex = new Map(matrix.users.map((u, i) => [u, i]));
  const itemIndex = new Map(matrix.items.map((it, i) => [it, i]));
  const cases: TestCase[] = [...test].map(([user, item]) => ({ user: userIndex.get(user)!, item: itemIndex.get(item)! }));

  const seconds = {} as Record<keyof EvaluationReport, number>;
  const timed = async <T>(name: keyof EvaluationReport, work: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    const result = await work();
    seconds[name] = (performance.now() - started) / 1000;
    logger.debug({ name, seconds: seconds[name] }, 'evaluated');
    return result;
  };
  const report: EvaluationReport = {
    itemPop: await timed('itemPop', () => evaluateScorer(matrix, cases, itemPop(matrix))),
    itemKNN: await timed('itemKNN', () => evaluateScorer(matrix, cases, itemKnn(matrix))),
    ease: options.skipEase
      ? { hr10: NaN, ndcg10: NaN }
      : await timed('ease', () => evaluateScorer(matrix, cases, ease(matrix, options.easeLambda ?? 300))),
    model: await timed('model', () => evaluateServedModel(train, matrix, cases, options)),
  };
  return {
    report,
    details: { users: matrix.users.length, items: matrix.items.length, trainInteractions: train.length, seconds, als: options.als ?? {} },
  };
}

export function evaluateScorer(matrix: InteractionMatrix, cases: TestCase[], scorer: UserScorer): HitRateNdcg {
  const seen = new Uint8Array(matrix.items.length);
  const { indptr, indices } = matrix.byUser;
  return meanOf(
    cases.map(({ user, item }) => {
      for (let p = indptr[user]; p < indptr[user + 1]; p++) seen[indices[p]] = 1;
      const rank = rankOf(scorer(user), item, (i) => seen[i] === 1);
      for (let p = indptr[user]; p < indptr[user + 1]; p++) seen[indices[p]] = 0;
      return hitAndNdcg(rank);
    }),
  );
}

/** Trains and publishes into a temporary repository, then ranks through onnxruntime as the server does. */
async function evaluateServedModel(
  train: Interaction[],
  matrix: InteractionMatrix,
  cases: TestCase[],
  options: EvaluationOptions,
): Promise<HitRateNdcg> {
  const repository = await fs.mkdtemp(path.join(os.tmpdir(), 'inference-eval-'));
  try {
    const published = await trainAndPublish(train, {
      repository,
      userIds: matrix.users,
      itemIds: matrix.items,
      progress: options.progress ?? false,
      k: 10,
      ...options.als,
    });
    const onnx = await fs.readFile(versionFile(repository, RECOMMENDER, published.recommender, 'model.onnx'));
    const session = await OnnxSession.load(onnx, ['cpu'], serviceLogger('inference'));
    const results: HitRateNdcg[] = [];
    const { indptr, indices } = matrix.byUser;
    const batchSize = 64;
    for (let start = 0; start < cases.length; start += batchSize) {
      const batch = cases.slice(start, start + batchSize);
      const width = Math.max(1, ...batch.map((c) => indptr[c.user + 1] - indptr[c.user]));
      const exclude = new BigInt64Array(batch.length * width).fill(BigInt(EXCLUDE_PAD));
      batch.forEach((c, row) => {
        for (let p = indptr[c.user]; p < indptr[c.user + 1]; p++) exclude[row * width + (p - indptr[c.user])] = BigInt(indices[p]);
      });
      const out = await session.run({
        user_index: { data: BigInt64Array.from(batch, (c) => BigInt(c.user)), dims: [batch.length, 1] },
        exclude: { data: exclude, dims: [batch.length, width] },
      });
      const k = out.item_index.dims[1];
      const top = out.item_index.data as BigInt64Array;
      batch.forEach((c, row) => {
        let rank = -1;
        for (let r = 0; r < k; r++) if (Number(top[row * k + r]) === c.item) rank = r;
        results.push(hitAndNdcg(rank));
      });
    }
    await session.release();
    return meanOf(results);
  } finally {
    await fs.rm(repository, { recursive: true, force: true });
  }
}

/** The small table printed after the JSON object. */
export function formatTable(report: EvaluationReport): string {
  const rows = [
    ['ItemPop', report.itemPop],
    ['item-KNN', report.itemKNN],
    ['EASE (λ=300)', report.ease],
    ['model (ONNX, ALS)', report.model],
  ] as const;
  const lines = ['| method            | HR@10  | NDCG@10 |', '|-------------------|--------|---------|'];
  for (const [name, m] of rows) lines.push(`| ${name.padEnd(17)} | ${m.hr10.toFixed(4)} | ${m.ndcg10.toFixed(4).padStart(7)} |`);
  return lines.join('\n');
}
