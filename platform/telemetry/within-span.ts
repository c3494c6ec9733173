/** The one way a span encloses work: active while the work runs, marked with its failure, ended either way. */
import { context, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';

export async function withinSpan<T>(span: Span, parent: Context, work: () => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(parent, span), work);
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}
