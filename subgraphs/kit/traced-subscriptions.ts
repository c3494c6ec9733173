/**
 * A subscription event whose payload carries the trace context of the work that published it (a
 * `traceparent`, as live recommendation updates do with tracing on) is sent with it in the
 * event's `extensions`, so the gateway's span for the event links back to that work. graphql-ws
 * calls this in place of graphql's own subscribe; each event is executed exactly as graphql does.
 */
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';

type EventStream = AsyncIterableIterator<ExecutionResult>;

export async function subscribeCarryingTrace(args: ExecutionArgs): Promise<EventStream | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source;
  const events = source[Symbol.asyncIterator]();
  const toResult = async (step: IteratorResult<unknown>): Promise<IteratorResult<ExecutionResult>> => {
    if (step.done) return { done: true, value: undefined };
    const result = await execute({ ...args, rootValue: step.value });
    const traceparent = (step.value as { traceparent?: unknown } | null)?.traceparent;
    return {
      done: false,
      value: typeof traceparent === 'string' ? { ...result, extensions: { ...result.extensions, traceparent } } : result,
    };
  };
  // A hand-made iterator, like graphql's own: return() reaches the source at once, even while a next() waits on it.
  const stream: EventStream = {
    next: () => events.next().then(toResult),
    return: async () => {
      await events.return?.();
      return { done: true, value: undefined };
    },
    throw: async (error: unknown) => {
      if (events.throw) return events.throw(error).then(toResult);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}
