/**
 * Turns live notifications into the AsyncIterable a GraphQL subscription returns. The queue is
 * bounded: a subscriber too slow to keep up loses the oldest updates, never the process's memory.
 */
import type { EventBus, NotificationPayloads, NotificationType } from './events';

const MAX_QUEUED = 100;

export function liveIterator<T extends NotificationType>(
  bus: EventBus,
  type: T,
  accept: (payload: NotificationPayloads[T]) => boolean,
): AsyncIterableIterator<NotificationPayloads[T]> {
  const queue: NotificationPayloads[T][] = [];
  let wake: ((result: IteratorResult<NotificationPayloads[T]>) => void) | undefined;
  let done = false;
  const stop = bus.listen(type, (payload) => {
    if (done || !accept(payload)) return;
    if (wake) {
      const resolve = wake;
      wake = undefined;
      resolve({ value: payload, done: false });
      return;
    }
    queue.push(payload);
    if (queue.length > MAX_QUEUED) queue.shift();
  });
  const finish = async (): Promise<IteratorResult<NotificationPayloads[T]>> => {
    if (!done) {
      done = true;
      stop();
      wake?.({ value: undefined, done: true });
      wake = undefined;
    }
    return { value: undefined, done: true };
  };
  return {
    next() {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (wake = resolve));
    },
    return: finish,
    throw: async (error) => {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
