/** Checks of the platform's rules that the tests against a real Prometheus share. */
import { isAlert } from '../../observability/prometheus/rule-types';
import { ALERTS, RULE_GROUPS } from '../../observability/prometheus/rules';
import { eventually } from './eventually';
import type { RunningPrometheus } from './prometheus';

/** Every rule of rules.yml is loaded, and evaluates without an error. */
export async function expectEveryRuleHealthy(prometheus: RunningPrometheus): Promise<void> {
  const rules = await eventually(
    () => prometheus.ruleHealth(),
    (loaded) => loaded.length > 0 && loaded.every((rule) => rule.health !== 'unknown'),
    20_000,
  );
  expect(rules.map((rule) => rule.rule).sort()).toEqual(
    RULE_GROUPS.flatMap((group) => group.rules.map((rule) => (isAlert(rule) ? rule.alert : rule.record))).sort(),
  );
  expect(rules.filter((rule) => rule.health !== 'ok')).toEqual([]);
  expect(ALERTS.length).toBeGreaterThan(5);
}

/**
 * SubgraphDown fires for orders (after its `for: 1m`) while orders is stopped, for no other
 * subgraph, and clears once orders is back; `traffic` runs between Prometheus's answers.
 */
export async function expectSubgraphDownForOrders(
  prometheus: RunningPrometheus,
  orders: { stop(): Promise<void>; restart(): Promise<void> },
  traffic: () => Promise<void>,
): Promise<void> {
  const ordersDown = async () =>
    (await prometheus.alerts()).filter((alert) => alert.labels.alertname === 'SubgraphDown' && alert.labels.subgraph === 'orders');
  expect(await ordersDown()).toEqual([]);

  await orders.stop();
  const started = Date.now();
  // `for: 1m`: pending from the first failed scrape, firing a minute later.
  const fired = await eventually(
    async () => {
      await traffic();
      return ordersDown();
    },
    (alerts) => alerts.some((alert) => alert.state === 'firing'),
    100_000,
  );
  expect(fired.map((alert) => [alert.labels.severity, alert.state])).toEqual([['critical', 'firing']]);
  expect(Date.now() - started).toBeGreaterThanOrEqual(60_000);
  const others = (await prometheus.alerts()).filter(
    (alert) => alert.labels.alertname === 'SubgraphDown' && alert.labels.subgraph !== 'orders',
  );
  expect(others).toEqual([]);

  await orders.restart();
  const after = await eventually(
    async () => {
      await traffic();
      return ordersDown();
    },
    // The gateway's side reads the last minute of fetches: it ends a minute after they succeed again.
    (alerts) => alerts.length === 0,
    120_000,
  );
  expect(after).toEqual([]);
}
