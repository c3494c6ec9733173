/**
 * Events across time, traced: an event carries the W3C trace context of the work that wrote it
 * (newEvent, outbox.ts), and the bus a subgraph is given, with tracing on, turns its relay's
 * publish into a PRODUCER span and each handling of an event into a CONSUMER span, each in a trace
 * of its own with a link back to the event's origin — the mutation that caused it. Links, not
 * parents: an event may be published and handled long after, and more than once. Such a span is
 * kept when its origin was (platform/telemetry/links.ts); what the handler does is its child.
 */
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { linksTo, withinSpan, type ServiceTracing } from '../../../platform/telemetry';
import type { DomainEvent, EventBus } from './types';

/** `bus` as `tracing`'s service uses it: its publishes and its handlers traced (see above). */
export function tracedEventBus(bus: EventBus, tracing: ServiceTracing): EventBus {
  const { tracer } = tracing;
  const attributes = (event: DomainEvent) => ({ 'messaging.operation.name': event.type, 'messaging.message.id': event.id });
  return {
    publish(event) {
      const span = tracer.startSpan(
        `publish ${event.type}`,
        { kind: SpanKind.PRODUCER, links: linksTo(event.traceparent), attributes: attributes(event) },
        ROOT_CONTEXT,
      );
      return withinSpan(span, ROOT_CONTEXT, () => bus.publish(event));
    },
    subscribe(type, group, handler) {
      return bus.subscribe(type, group, (event) => {
        const span = tracer.startSpan(
          `process ${event.type}`,
          {
            kind: SpanKind.CONSUMER,
            links: linksTo(event.traceparent),
            attributes: { ...attributes(event), 'messaging.consumer.group.name': group },
          },
          ROOT_CONTEXT,
        );
        return withinSpan(span, ROOT_CONTEXT, () => handler(event));
      });
    },
    close: () => bus.close(),
  };
}
