import { formatCutSummary, summariseCuts } from './cuts';
import type { EvaluationReport } from './evaluate';

const q = (hr10: number, ndcg10 = hr10 / 2) => ({ hr10, ndcg10, coverage10: 0.1 });
const report = (served: number, ease: number, itemPop: number): EvaluationReport => ({
  served: q(served),
  oneStage: q(0.1),
  ease: q(ease),
  itemKNN: q(0.1),
  itemPop: q(itemPop),
  easeRecency: q(0.1),
  easeRecencyTransitions: q(0.1),
});

describe('worst-cut summary', () => {
  it('finds each row’s lowest HR@10 and served’s margin over the best other row per cut', () => {
    const summary = summariseCuts([
      { name: 'late', report: report(0.25, 0.15, 0.05) },
      { name: 'early', report: report(0.2, 0.22, 0.12) },
    ]);
    expect(summary.worstHr10.served).toEqual({ hr10: 0.2, cut: 'early' });
    expect(summary.worstHr10.itemPop).toEqual({ hr10: 0.05, cut: 'late' });
    expect(summary.margins.map((m) => [m.cut, m.hr10RunnerUp])).toEqual([
      ['late', 'ease'],
      ['early', 'ease'],
    ]);
    expect(summary.margins[0].hr10).toBeCloseTo(0.1);
    expect(summary.margins[1].hr10).toBeCloseTo(-0.02);
    expect(summary.servedAboveAllOnHr10).toBe(false);
    expect(formatCutSummary(summary)).toContain('early: HR@10 margin -0.0200 over ease');
  });

  it('served above everything everywhere', () => {
    const summary = summariseCuts([{ name: 'only', report: report(0.3, 0.2, 0.1) }]);
    expect(summary.servedAboveAllOnHr10 && summary.servedAboveAllOnNdcg10).toBe(true);
  });
});
