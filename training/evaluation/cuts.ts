/**
 * The time-shifted cuts `npm run eval` scores every row on, and the "worst cut" summary over them.
 *
 * Cut q keeps only the ratings at or before T_q, the q-quantile of all ratings' timestamps, and
 * holds out each user's last rating among those (split.ts `leaveLatestOutAt`). q = 1 is the
 * original leave-latest-out of the whole data and comes first, so the eval's first output line
 * stays that cut's figures. 0.9 and 0.8 move "now" back into the busiest months of MovieLens 100K,
 * where the test users (those with two or more ratings by then) and what they took next differ.
 * The quantiles are fixed, not chosen by how any row scores on them.
 */
import type { EvaluationReport, Quality } from './evaluate';

export const CUT_QUANTILES: readonly number[] = [1, 0.9, 0.8];

export interface CutResult {
  name: string;
  report: EvaluationReport;
}

export interface CutSummary {
  /** Per row: its lowest HR@10 over the cuts, and on which cut. */
  worstHr10: Record<string, { hr10: number; cut: string }>;
  /** Per cut: served's HR@10 and NDCG@10 minus the best other row's. */
  margins: { cut: string; hr10: number; hr10RunnerUp: string; ndcg10: number; ndcg10RunnerUp: string }[];
  /** served's HR@10 is strictly above every other row's on every cut. */
  servedAboveAllOnHr10: boolean;
  servedAboveAllOnNdcg10: boolean;
}

export function summariseCuts(cuts: readonly CutResult[]): CutSummary {
  const worstHr10: CutSummary['worstHr10'] = {};
  for (const { name, report } of cuts) {
    for (const [row, q] of Object.entries(report) as [string, Quality][]) {
      if (!(row in worstHr10) || q.hr10 < worstHr10[row].hr10) worstHr10[row] = { hr10: q.hr10, cut: name };
    }
  }
  const margins = cuts.map(({ name, report }) => {
    const others = (Object.entries(report) as [string, Quality][]).filter(([row]) => row !== 'served');
    const best = (metric: 'hr10' | 'ndcg10') => others.reduce((a, b) => (b[1][metric] > a[1][metric] ? b : a));
    const [hr10RunnerUp, hr10Best] = best('hr10');
    const [ndcg10RunnerUp, ndcg10Best] = best('ndcg10');
    return {
      cut: name,
      hr10: report.served.hr10 - hr10Best.hr10,
      hr10RunnerUp,
      ndcg10: report.served.ndcg10 - ndcg10Best.ndcg10,
      ndcg10RunnerUp,
    };
  });
  return {
    worstHr10,
    margins,
    servedAboveAllOnHr10: margins.every((m) => m.hr10 > 0),
    servedAboveAllOnNdcg10: margins.every((m) => m.ndcg10 > 0),
  };
}

export function formatCutSummary(summary: CutSummary): string {
  const f = (x: number) => x.toFixed(4);
  const signed = (x: number) => (x >= 0 ? '+' : '') + f(x);
  const width = Math.max(...Object.keys(summary.worstHr10).map((row) => row.length));
  const lines = ['worst cut: lowest HR@10 of each row over the cuts'];
  for (const [row, { hr10, cut }] of Object.entries(summary.worstHr10)) lines.push(`  ${row.padEnd(width)}  ${f(hr10)}  (${cut})`);
  lines.push(
    `served above every other row on every cut: HR@10 ${summary.servedAboveAllOnHr10 ? 'yes' : 'NO'}, NDCG@10 ${summary.servedAboveAllOnNdcg10 ? 'yes' : 'NO'}`,
  );
  for (const m of summary.margins) {
    lines.push(
      `  ${m.cut}: HR@10 margin ${signed(m.hr10)} over ${m.hr10RunnerUp}, NDCG@10 margin ${signed(m.ndcg10)} over ${m.ndcg10RunnerUp}`,
    );
  }
  return lines.join('\n');
}
