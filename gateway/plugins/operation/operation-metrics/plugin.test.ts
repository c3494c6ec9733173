/**
 * The operation metrics plugin on its own: each subscription event is one observation of type
 * subscription, an error when the completed event carries errors or its completion throws.
 * (Queries and mutations are checked against a real gateway in gateway/operation-metrics.test.ts.)
 */
import { GraphQLError, parse, type ExecutionResult } from 'graphql';
import { registry } from '../../../../platform/metrics';
import type { SubscriptionEventPhase } from '../../../pipeline/plugin';
import { OperationLabels } from '../../../pipeline/metric-labels';
import { operationMetricsPlugin } from './plugin';

async function sample(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name.replace(/_count$/, ''))?.get();
  return (metric?.values ?? [])
    .filter((value) => ((value as { metricName?: string }).metricName ?? name) === name)
    .filter((value) => Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted))
    .reduce((sum, value) => sum + value.value, 0);
}

const phase = (event: ExecutionResult): SubscriptionEventPhase => ({
  state: { viewer: { roles: [] } },
  document: parse('subscription Live { recommendationsUpdated { userId } }'),
  operationName: 'Live',
  event,
});

describe('operation metrics of subscription events', () => {
  const plugin = operationMetricsPlugin(new OperationLabels(10));
  const events = (outcome: string) =>
    sample('gateway_operation_duration_seconds_count', { operation: 'Live', type: 'subscription', outcome });

  it('observes each completed event, by the errors it carries', async () => {
    const before = { ok: await events('ok'), error: await events('error') };
    const forbidden = new GraphQLError('no', { extensions: { code: 'FORBIDDEN' } });
    await plugin.onSubscriptionEvent!(phase({ data: {} }), async (event) => event);
    await plugin.onSubscriptionEvent!(phase({ data: {} }), async () => ({ data: null, errors: [forbidden] }));
    expect(await events('ok')).toBe(before.ok + 1);
    expect(await events('error')).toBe(before.error + 1);
    expect(await sample('gateway_operation_errors_total', { operation: 'Live', code: 'FORBIDDEN' })).toBe(1);
  });

  it('counts an event whose completion threw as an internal error, and rethrows', async () => {
    const before = await sample('gateway_operation_errors_total', { operation: 'Live', code: 'INTERNAL_SERVER_ERROR' });
    await expect(
      plugin.onSubscriptionEvent!(phase({ data: {} }), async () => {
        throw new Error('executor failed');
      }),
    ).rejects.toThrow('executor failed');
    expect(await sample('gateway_operation_errors_total', { operation: 'Live', code: 'INTERNAL_SERVER_ERROR' })).toBe(before + 1);
  });
});
