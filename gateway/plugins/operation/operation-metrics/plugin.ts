/**
 * RED per GraphQL operation, on both endpoints: every answer Apollo Server sends (queries and
 * mutations over HTTP or WebSocket; refusals by limits, validation or parsing too) is one
 * observation of gateway_operation_duration_seconds, an error when it carries any error even inside
 * an HTTP 200, and each of its errors one gateway_operation_errors_total by code. A subscription
 * has no single answer: each event it delivers is one observation, timed from the subgraph's event
 * to the completed result. Requests refused before their body is read (rate limits, partner keys)
 * are no operation and count only in the HTTP and partner series.
 */
import type { Span } from '@opentelemetry/api';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../../../platform/errors';
import type { GatewayPlugin } from '../../../pipeline/plugin';
import { errorCodeLabel, type OperationLabels } from '../../../pipeline/metric-labels';
import { operationDuration, operationErrors } from './metrics';

/** The `type` label of a document that never named a runnable operation (it did not parse, or named none it has). */
export const UNKNOWN_OPERATION_TYPE = 'unknown';

type ErrorLike = Pick<GraphQLFormattedError, 'extensions'>;

/** What an event whose completion threw counts as: the client gets no result for it. */
const FAILED_EVENT: ErrorLike = { extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };

export function operationMetricsPlugin(labels: OperationLabels): GatewayPlugin {
  const record = (
    name: string | null | undefined,
    type: string,
    seconds: number,
    errors: readonly ErrorLike[] | undefined,
    span?: Span,
  ) => {
    const operation = labels.label(name);
    operationDuration.observe({ operation, type, outcome: errors?.length ? 'error' : 'ok' }, seconds, span);
    for (const error of errors ?? []) operationErrors.inc({ operation, code: errorCodeLabel(error) });
  };
  return {
    name: 'operation-metrics',
    onResponse({ state, operationName, operationType, startedAt, errors }) {
      // The request's server span is not the active one (see plugins/http/tracing.ts): it is named for the exemplar.
      record(operationName, operationType ?? UNKNOWN_OPERATION_TYPE, (performance.now() - startedAt) / 1000, errors, state.span);
    },
    async onSubscriptionEvent(phase, next) {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const completed = await next(phase.event);
        record(phase.operationName, 'subscription', seconds(), completed.errors);
        return completed;
      } catch (error) {
        record(phase.operationName, 'subscription', seconds(), [FAILED_EVENT]);
        throw error;
      }
    },
  };
}
