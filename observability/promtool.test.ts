/**
 * The rules as Prometheus itself reads them: `promtool check rules` on the generated rules file and
 * on every dashboard query (Prometheus's own parser, stricter than the one in queries.test.ts), and
 * `promtool test rules` on the unit tests in prometheus/tests/. promtool comes from Debian's
 * `prometheus` package; on a machine without it these checks are skipped, and the test says so.
 * That every alert has a case that fires it and one that keeps it quiet is checked either way.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { fromRoot } from '../platform/paths';
import { findExecutable } from '../test/support/executables';
import { dashboardQueries } from './grafana/queries';
import { ALERTS } from './prometheus/rules';

const RULES = 'observability/prometheus/rules.yml';
const TESTS_DIR = 'observability/prometheus/tests';
const testFiles = fs
  .readdirSync(fromRoot(TESTS_DIR))
  .filter((name) => name.endsWith('.yml'))
  .map((name) => path.posix.join(TESTS_DIR, name));

interface AlertRuleTest {
  alertname: string;
  exp_alerts?: unknown[];
}
interface PromtoolTests {
  rule_files: string[];
  tests: { name: string; alert_rule_test?: AlertRuleTest[] }[];
}

describe('promtool unit tests (observability/prometheus/tests)', () => {
  const suites = testFiles.map((file) => ({ file, suite: YAML.parse(fs.readFileSync(fromRoot(file), 'utf8')) as PromtoolTests }));

  it('read the generated rules file', () => {
    expect(suites.length).toBeGreaterThan(0);
    for (const { file, suite } of suites) expect([file, suite.rule_files]).toEqual([file, ['../rules.yml']]);
  });

  it.each(ALERTS.map((alert) => alert.alert))('%s has a case that fires it and one that keeps it quiet', (alertname) => {
    const cases = suites
      .flatMap(({ suite }) => suite.tests.flatMap((test) => test.alert_rule_test ?? []))
      .filter((c) => c.alertname === alertname);
    expect({
      fires: cases.some((c) => (c.exp_alerts ?? []).length > 0),
      quiet: cases.some((c) => (c.exp_alerts ?? []).length === 0),
    }).toEqual({
      fires: true,
      quiet: true,
    });
  });

  it('name only alerts the rules have', () => {
    const names = new Set(ALERTS.map((alert) => alert.alert));
    const tested = suites.flatMap(({ suite }) => suite.tests.flatMap((test) => (test.alert_rule_test ?? []).map((c) => c.alertname)));
    expect(tested.filter((name) => !names.has(name))).toEqual([]);
  });
});

const promtool = findExecutable('promtool');
if (!promtool) {
  // Straight to stderr, as test/observability.test.ts does: a skip is said even where jest shows no console output.
  process.stderr.write(
    'observability/promtool.test.ts: skipped `promtool check rules` and `promtool test rules`: promtool is not on PATH ' +
      '(Debian: apt-get install prometheus; docs/operations.md, "Testing the rules").\n',
  );
}

(promtool ? describe : describe.skip)('promtool', () => {
  const run = (args: string[]) => execFileSync(promtool!, args, { cwd: fromRoot(), encoding: 'utf8', stdio: 'pipe', timeout: 60_000 });

  it('checks the rules file', () => {
    expect(run(['check', 'rules', RULES])).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('checks the example scrape configuration and the rules it loads', () => {
    expect(run(['check', 'config', 'observability/prometheus/prometheus.yml'])).toMatch(/is valid prometheus config file syntax/);
  });

  it('passes the unit tests: every alert fires where it should and stays quiet where it should', () => {
    expect(run(['test', 'rules', ...testFiles])).toMatch(/SUCCESS/);
  });

  it('parses every dashboard query with Prometheus own parser', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-queries-'));
    try {
      const rules = dashboardQueries().map(({ dashboard, panel, expr }, i) => ({
        record: `dashboard:query_${i}`,
        expr,
        labels: { dashboard, panel },
      }));
      const file = path.join(dir, 'dashboards.yml');
      fs.writeFileSync(file, YAML.stringify({ groups: [{ name: 'dashboards', rules }] }));
      expect(rules.length).toBeGreaterThan(20);
      expect(run(['check', 'rules', file])).toMatch(new RegExp(`SUCCESS: ${rules.length} rules found`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
