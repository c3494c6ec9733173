/**
 * Scoring the leave-latest-out protocol (split.ts): for each test user, the rank of their
 * held-out item among every item they have not interacted with in training, HR@10 and NDCG@10,
 * and catalogue coverage@10 (the share of all items that appear in at least one user's top 10).
 * `scripts/eval.ts` runs the whole comparison (baselines, the served one-stage and two-stage paths).
 */
import type { InteractionMatrix } from '../interactions';
import type { UserScorer } from './baselines';
import { hitAndNdcg, meanOf, rankOf, type HitRateNdcg } from './metrics';

export interface Quality extends HitRateNdcg {
  coverage10: number;
}

export interface TestCase {
  user: number;
  item: number;
}

export function evaluateScorer(matrix: InteractionMatrix, cases: TestCase[], scorer: UserScorer): Quality {
  const seen = new Uint8Array(matrix.items.length);
  const covered = new Set<number>();
  const { indptr, indices } = matrix.byUser;
  const results = cases.map(({ user, item }) => {
    for (let p = indptr[user]; p < indptr[user + 1]; p++) seen[indices[p]] = 1;
    const scores = scorer(user);
    const rank = rankOf(scores, item, (i) => seen[i] === 1);
    for (const i of topTen(scores, (j) => seen[j] === 1)) covered.add(i);
    for (let p = indptr[user]; p < indptr[user + 1]; p++) seen[indices[p]] = 0;
    return hitAndNdcg(rank);
  });
  return { ...meanOf(results), coverage10: covered.size / Math.max(1, matrix.items.length) };
}

/** Quality of ranked lists (best first) against each case's held-out item. */
export function evaluateLists(lists: { ranked: readonly string[]; target: string }[], numItems: number): Quality {
  const covered = new Set<string>();
  const results = lists.map(({ ranked, target }) => {
    const top = ranked.slice(0, 10);
    for (const id of top) covered.add(id);
    return hitAndNdcg(top.indexOf(target));
  });
  return { ...meanOf(results), coverage10: covered.size / Math.max(1, numItems) };
}

/** The ten best-scored candidates, ties to the lower index (as rankOf and onnxruntime's TopK). */
function topTen(scores: ArrayLike<number>, excluded: (item: number) => boolean): number[] {
  const top: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (excluded(i)) continue;
    let at = top.length;
    while (at > 0 && scores[top[at - 1]] < scores[i]) at--;
    if (at < 10) {
      top.splice(at, 0, i);
      if (top.length > 10) top.pop();
    }
  }
  return top;
}

export interface EvaluationReport {
  served: Quality;
  oneStage: Quality;
  ease: Quality;
  itemKNN: Quality;
  itemPop: Quality;
  easeRecency: Quality;
  easeRecencyTransitions: Quality;
}

/** The small table printed after the JSON object. */
export function formatTable(report: EvaluationReport): string {
  const rows: [string, Quality][] = [
    ['two-stage (served)', report.served],
    ['one-stage (ALS)', report.oneStage],
    ['EASE (λ=300)', report.ease],
    ['item-KNN', report.itemKNN],
    ['ItemPop', report.itemPop],
    ['EASE, recency-weighted', report.easeRecency],
    ['0.7 EASE-rec + 0.3 trans', report.easeRecencyTransitions],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = [
    `| ${'method'.padEnd(width)} | HR@10  | NDCG@10 | coverage@10 |`,
    `|${'-'.repeat(width + 2)}|--------|---------|-------------|`,
  ];
  for (const [name, m] of rows) {
    lines.push(
      `| ${name.padEnd(width)} | ${m.hr10.toFixed(4)} | ${m.ndcg10.toFixed(4).padStart(7)} | ${m.coverage10.toFixed(4).padStart(11)} |`,
    );
  }
  return lines.join('\n');
}
