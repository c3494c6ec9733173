/**
 * The alerting rules say what an on-call person needs: a severity, a summary, a description and a
 * runbook link that lands on a heading that exists. The SLO alerts follow the workbook's windows
 * and burn rates for the stated objectives. (promtool.test.ts runs the rules themselves.)
 */
import { anchorsOf } from '../test/support/markdown';
import { isAlert, RUNBOOK_PAGE } from './prometheus/rule-types';
import { ALERTS, RULE_GROUPS } from './prometheus/rules';
import { AVAILABILITY, BURN_RATE_ALERTS, errorBudget, LATENCY, SLO_WINDOWS } from './prometheus/slo';

describe('alerting rules', () => {
  it.each(ALERTS.map((alert) => [alert.alert, alert]))(
    '%s has a severity, a summary, a description and a runbook that exists',
    (_name, alert) => {
      expect(['critical', 'warning']).toContain(alert.labels.severity);
      expect(alert.annotations.summary.length).toBeGreaterThan(10);
      expect(alert.annotations.description.length).toBeGreaterThan(alert.annotations.summary.length);
      const [page, anchor] = alert.annotations.runbook_url.split('#');
      expect(page).toBe(RUNBOOK_PAGE);
      expect([...anchorsOf(page)]).toContain(anchor);
    },
  );

  it('names each alert once, and each recording rule level:metric:operations, once', () => {
    const alerts = ALERTS.map((alert) => alert.alert);
    expect(new Set(alerts).size).toBe(alerts.length);
    const records = RULE_GROUPS.flatMap((group) => group.rules.flatMap((rule) => (isAlert(rule) ? [] : [rule.record])));
    expect(new Set(records).size).toBe(records.length);
    for (const record of records) expect(record).toMatch(/^[a-z_]+:[a-z_]+:[a-z0-9_]+$/);
  });

  it('records every rule before a rule of its group reads it (a group evaluates in order)', () => {
    for (const group of RULE_GROUPS) {
      const recordedSoFar = new Set<string>();
      const allRecorded = RULE_GROUPS.flatMap((g) => g.rules.flatMap((rule) => (isAlert(rule) ? [] : [rule.record])));
      for (const rule of group.rules) {
        const reads = allRecorded.filter((record) => new RegExp(`(^|[^:\\w])${record}([^:\\w]|$)`).test(rule.expr));
        expect([isAlert(rule) ? rule.alert : rule.record, reads.filter((record) => !recordedSoFar.has(record))]).toEqual([
          isAlert(rule) ? rule.alert : rule.record,
          [],
        ]);
        if (!isAlert(rule)) recordedSoFar.add(rule.record);
      }
    }
  });

  it('guards the SLOs as the SRE workbook does: 14.4× over 1 h and 5 m, 6× over 6 h and 30 m', () => {
    expect([AVAILABILITY.objective, errorBudget(AVAILABILITY), LATENCY.objective, errorBudget(LATENCY)]).toEqual([
      0.999, 0.001, 0.99, 0.01,
    ]);
    expect(BURN_RATE_ALERTS.map(({ long, short, burnRate }) => [long, short, burnRate])).toEqual([
      ['1h', '5m', 14.4],
      ['6h', '30m', 6],
    ]);
    expect(SLO_WINDOWS).toEqual(['5m', '30m', '1h', '6h']);
    const fast = ALERTS.find((alert) => alert.alert === 'GatewayAvailabilityBurnFast')!;
    expect(fast.expr).toBe(
      'slo:gateway_availability:error_ratio_rate1h{slo="gateway-availability"} > (14.4 * 0.001)\nand\nslo:gateway_availability:error_ratio_rate5m{slo="gateway-availability"} > (14.4 * 0.001)',
    );
  });
});
