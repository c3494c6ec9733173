/** The partner API: who calls it, how it answers, what it costs, and the webhooks partners receive. */
import * as units from '@grafana/grafana-foundation-sdk/units';
import { type Dashboard, labelVariable, platformDashboard, quantiles, rate, row, statPanel, timeSeries } from './kit';

const PARTNERS = 'partner=~"$partner"';

export const build = (): Dashboard =>
  platformDashboard(
    'platform-partner-api',
    'Partner API',
    'Requests to /partner/graphql by partner, outcome and operation, their cost and latency, and the webhooks delivered to partners. docs/operations.md#alerts-and-dashboards',
  )
    .withVariable(labelVariable('partner', 'partner', 'partner_requests_total').multi(true).includeAll(true).allValue('.*'))
    .withRow(row('Requests'))
    .withPanel(statPanel('Requests per second', units.RequestsPerSecond, { expr: rate('partner_requests_total', PARTNERS) }))
    .withPanel(
      statPanel('Answered without error', units.PercentUnit, {
        expr: `${rate('partner_requests_total', `${PARTNERS}, outcome="ok"`)} / ${rate('partner_requests_total', PARTNERS)}`,
      }),
    )
    .withPanel(
      statPanel(
        'Webhook dead letters',
        units.Short,
        { expr: 'max(partner_webhook_dead_letters)' },
        { description: 'Deliveries that ran out of retries (PartnerWebhookDeadLetters fires above 0).' },
      ),
    )
    .withPanel(statPanel('Query cost per second', units.Short, { expr: rate('partner_query_cost_total', PARTNERS) }))
    .withPanel(
      timeSeries('Requests by outcome', units.RequestsPerSecond, [
        { expr: rate('partner_requests_total', PARTNERS, 'outcome'), legend: '{{outcome}}' },
      ]),
    )
    .withPanel(
      timeSeries('Requests by partner', units.RequestsPerSecond, [
        { expr: rate('partner_requests_total', PARTNERS, 'partner'), legend: '{{partner}}' },
      ]),
    )
    .withPanel(
      timeSeries('Busiest operations', units.RequestsPerSecond, [
        { expr: `topk(10, ${rate('partner_requests_total', PARTNERS, 'operation')})`, legend: '{{operation}}' },
      ]),
    )
    .withPanel(
      timeSeries('Query cost by partner', units.Short, [
        { expr: rate('partner_query_cost_total', PARTNERS, 'partner'), legend: '{{partner}}' },
      ]),
    )
    .withPanel(
      timeSeries(
        'Endpoint latency',
        units.Seconds,
        quantiles('http_request_duration_seconds', 'service="gateway", route="/partner/graphql"'),
        {
          description: 'All partners together: the HTTP histogram has no partner label.',
        },
      ),
    )
    .withPanel(
      timeSeries('Endpoint answers by status', units.RequestsPerSecond, [
        {
          expr: rate('http_request_duration_seconds_count', 'service="gateway", route="/partner/graphql"', 'status'),
          legend: '{{status}}',
        },
      ]),
    )
    .withRow(row('Webhooks'))
    .withPanel(
      timeSeries(
        'Deliveries by outcome',
        units.OpsPerSecond,
        [{ expr: rate('partner_webhook_deliveries_total', '', 'outcome'), legend: '{{outcome}}' }],
        { span: 12 },
      ),
    )
    .withPanel(
      timeSeries('Dead letters waiting', units.Short, [{ expr: 'max(partner_webhook_dead_letters)', legend: 'dead letters' }], {
        span: 12,
      }),
    )
    .build();
