/**
 * `npm run eval -- [--ml100k <folder>] [--factors n --epochs n --reg x --alpha x --seed n --lambda x]`
 *
 * MovieLens 100K, full ranking, on several time-shifted leave-latest-out cuts
 * (training/evaluation/cuts.ts; split.ts `leaveLatestOutAt`), the first being the original
 * leave-latest-out of the whole data. Prints as its first line one JSON object for that cut,
 * {"served":…,"oneStage":…,"ease":…,"itemKNN":…,"itemPop":…,"easeRecency":…,"easeRecencyTransitions":…}
 * (HR@10, NDCG@10, coverage@10 each), then every cut's table and the worst-cut summary (each row's
 * lowest HR@10; served's margin over the best other row per cut); timings go to stderr.
 *
 * Every row is recomputed per cut from that cut's training interactions only. The served rows go
 * through production code, afresh for each cut: every model is trained and published into a
 * temporary repository, the real inference server serves it on 127.0.0.1:0, and each test user is
 * ranked over HTTP — the one-stage row by the recommender model as the subgraph's model client
 * asks it, the two-stage row by the subgraph's own TwoStagePipeline (recall models, ranking/
 * features, one ranker request per batch of users) with the user's training history as their
 * interactions and the held-out rating's time as "now".
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { numberOption } from '../platform/cli';
import { quietUnlessConfigured, serviceLogger } from '../platform/logger';
import { TimedActivity } from '../ranking/activity';
import { startInferenceServer } from '../inference';
import { ALS_FLAGS, alsOptions } from '../training/cli-args';
import { easeWeights, itemKnn, itemPop, rowSumScorer } from '../training/evaluation/baselines';
import { CUT_QUANTILES, formatCutSummary, summariseCuts, type CutResult } from '../training/evaluation/cuts';
import { evaluateLists, evaluateScorer, formatTable, type EvaluationReport, type Quality } from '../training/evaluation/evaluate';
import { easeRecencyRows, userHistories } from '../training/evaluation/sequential-baselines';
import { leaveLatestOutAt, timestampQuantile } from '../training/evaluation/split';
import { buildInteractionMatrix } from '../training/interactions';
import { defaultMl100kFolder, MovieLens100kSource } from '../training/movielens';
import { trainAndPublish } from '../training/train-and-publish';
import { EVALUATED_TWO_STAGE, userSequences } from '../training/two-stage';
import { InferenceClient } from '../subgraphs/recommendations/transport/inference-client';
import { RecommendationModels } from '../subgraphs/recommendations/transport/model-client';
import { TwoStagePipeline, type TwoStageQuery } from '../subgraphs/recommendations/pipelines/two-stage/pipeline';

/** Users per simulated GraphQL operation: each batch costs one request per model. */
const USERS_PER_OPERATION = 64;
/** Generous: this is a measurement, not a latency budget. */
const DEADLINE_MS = 120_000;

type Args = ReturnType<typeof parseArgs<{ options: typeof FLAGS }>>['values'];
const FLAGS = { ...ALS_FLAGS, ml100k: { type: 'string' }, lambda: { type: 'string' } } as const;

async function main(): Promise<void> {
  // stdout carries the result only; logs below warn would interleave with it.
  quietUnlessConfigured();
  const { values } = parseArgs({ options: FLAGS });
  const source = new MovieLens100kSource(values.ml100k ?? defaultMl100kFolder());
  const [interactions, content] = await Promise.all([source.load(), source.content()]);
  const started = performance.now();
  const cuts: CutResult[] = [];
  for (const quantile of CUT_QUANTILES) {
    const cutoff = timestampQuantile(interactions, quantile);
    const name = `q${quantile.toFixed(1)} (≤ ${new Date(cutoff).toISOString().slice(0, 10)})`;
    const report = await evaluateCut(leaveLatestOutAt(interactions, cutoff), content, values, name);
    // The first cut is the original leave-latest-out: its line goes out as soon as it is known.
    if (cuts.length === 0) process.stdout.write(`${JSON.stringify(rounded(report))}\n`);
    cuts.push({ name, report });
  }
  for (const { name, report } of cuts) process.stdout.write(`\ncut ${name}\n${formatTable(report)}\n`);
  process.stdout.write(`\n${formatCutSummary(summariseCuts(cuts))}\n`);
  process.stderr.write(`all cuts: ${Math.round((performance.now() - started) / 1000)} s\n`);
}

/** Every row on one cut: the references on its training matrix, the served models trained and served for it alone. */
async function evaluateCut(
  split: ReturnType<typeof leaveLatestOutAt>,
  content: Map<string, string[]>,
  values: Args,
  name: string,
): Promise<EvaluationReport> {
  const seconds: Record<string, number> = {};
  const timed = async <T>(step: string, work: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    const result = await work();
    seconds[step] = Math.round((performance.now() - started) / 100) / 10;
    return result;
  };

  const { train, test, heldOut, visible } = split;
  // Users and items are those of the cut's window (for the latest cut: all of them, as before).
  const userIds = [...new Set(visible.map((i) => i.userId))];
  const itemIds = [...new Set(visible.map((i) => i.itemId))];
  const matrix = buildInteractionMatrix(train, { userIds, itemIds });
  const userIndex = new Map(matrix.users.map((u, i) => [u, i]));
  const itemIndex = new Map(matrix.items.map((it, i) => [it, i]));
  const testUsers = [...test.keys()];
  const cases = testUsers.map((u) => ({ user: userIndex.get(u)!, item: itemIndex.get(test.get(u)!)! }));

  const itemPopQ = await timed('itemPop', () => evaluateScorer(matrix, cases, itemPop(matrix)));
  const itemKnnQ = await timed('itemKNN', () => evaluateScorer(matrix, cases, itemKnn(matrix)));
  const easeB = await timed('easeWeights', () => easeWeights(matrix, numberOption(values.lambda, 'lambda') ?? 300));
  const easeQ = await timed('ease', () => evaluateScorer(matrix, cases, rowSumScorer(matrix, easeB)));
  const ordered = easeRecencyRows(easeB, userHistories(matrix, train), matrix.items.length);
  const easeRecencyQ = await timed('easeRecency', () => evaluateScorer(matrix, cases, ordered.easeRecency));
  const easeRecencyTransitionsQ = await timed('easeRecencyTransitions', () =>
    evaluateScorer(matrix, cases, ordered.easeRecencyTransitions),
  );

  const repository = await fs.mkdtemp(path.join(os.tmpdir(), 'inference-eval-'));
  let server: Awaited<ReturnType<typeof startInferenceServer>> | undefined;
  let client: InferenceClient | undefined;
  try {
    const trained = await timed('train', () =>
      trainAndPublish(train, {
        repository,
        userIds: matrix.users,
        itemIds: matrix.items,
        content,
        twoStage: EVALUATED_TWO_STAGE,
        progress: false,
        ...alsOptions(values),
      }),
    );
    server = await startInferenceServer({
      port: 0,
      host: '127.0.0.1',
      modelRepository: repository,
      pollIntervalMs: 0,
      executionProviders: ['cpu'],
      logger: serviceLogger('inference'),
    });
    client = new InferenceClient({ baseUrl: server.url, log: serviceLogger('recommendations'), breaker: { volumeThreshold: 1000 } });
    const models = new RecommendationModels(client);

    // Each user's training history in time order (ties in file order), as their interactions.
    const sequences = userSequences(train, matrix.items);
    const queries: TwoStageQuery[] = testUsers.map((userId) => {
      const history = (sequences.get(userId) ?? []).map((e) => ({ itemId: matrix.items[e.index], at: e.at }));
      return { userId, history, exclude: new Set(history.map((e) => e.itemId)), now: heldOut.get(userId)!.timestamp };
    });

    /** Ranks the test users in operations of USERS_PER_OPERATION, as the subgraph's DataLoader batches them, and scores the lists. */
    const evaluateServed = async (rank: (batch: TwoStageQuery[], deadline: AbortSignal) => Promise<string[][]>) => {
      const ranked: { ranked: string[]; target: string }[] = [];
      for (const batch of chunks(queries, USERS_PER_OPERATION)) {
        const lists = await rank(batch, AbortSignal.timeout(DEADLINE_MS));
        batch.forEach((q, row) => ranked.push({ ranked: lists[row], target: test.get(q.userId)! }));
      }
      return evaluateLists(ranked, matrix.items.length);
    };

    const oneStage = await timed('oneStage', () =>
      evaluateServed(async (batch, deadline) =>
        (await models.tasteOf(batch, deadline, Number.MAX_SAFE_INTEGER)).rows.map((row) => row.map((r) => r.productId)),
      ),
    );

    const activity = new TimedActivity(train.map((it) => ({ itemId: it.itemId, at: it.timestamp })));
    const pipeline = new TwoStagePipeline(models, activity, { keep: 10 });
    const served = await timed('served', () =>
      evaluateServed(async (batch, deadline) => (await pipeline.rank(batch, deadline)).lists.map((list) => list.map((c) => c.productId))),
    );

    process.stderr.write(
      `cut ${name}: users ${matrix.users.length}, items ${matrix.items.length}, train interactions ${train.length}, test users ${cases.length}; ` +
        `two-stage versions ${JSON.stringify(trained.twoStage)}; seconds ${JSON.stringify(seconds)}\n`,
    );
    return {
      served,
      oneStage,
      ease: easeQ,
      itemKNN: itemKnnQ,
      itemPop: itemPopQ,
      easeRecency: easeRecencyQ,
      easeRecencyTransitions: easeRecencyTransitionsQ,
    };
  } finally {
    client?.close();
    await server?.close();
    await fs.rm(repository, { recursive: true, force: true });
  }
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

function rounded(report: EvaluationReport): Record<string, Quality> {
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return Object.fromEntries(
    Object.entries(report).map(([name, q]) => [name, { hr10: round(q.hr10), ndcg10: round(q.ndcg10), coverage10: round(q.coverage10) }]),
  );
}

main().catch((error) => {
  process.stderr.write(`eval failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
