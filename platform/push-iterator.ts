/**
 * An AsyncIterableIterator fed by pushes: what a GraphQL subscription returns when its values come
 * from callbacks. Bounded: a consumer too slow to keep up loses the oldest values, never the
 * process's memory. `onClose` runs once, when the consumer stops or `end()` is called.
 */
export interface PushIterator<T> extends AsyncIterableIterator<T> {
  push(value: T): void;
  /** Ends the stream after the values already queued. */
  end(): void;
}

export function pushIterator<T>(onClose: () => void = () => undefined, maxQueued = 100): PushIterator<T> {
  const queue: T[] = [];
  let wake: ((result: IteratorResult<T>) => void) | undefined;
  let ending = false;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    onClose();
  };
  const iterator: PushIterator<T> = {
    push(value) {
      if (closed || ending) return;
      if (wake) {
        const resolve = wake;
        wake = undefined;
        resolve({ value, done: false });
        return;
      }
      queue.push(value);
      if (queue.length > maxQueued) queue.shift();
    },
    end() {
      ending = true;
      if (wake && queue.length === 0) {
        const resolve = wake;
        wake = undefined;
        close();
        resolve({ value: undefined, done: true });
      }
    },
    next() {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
      if (ending || closed) {
        close();
        return Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve) => (wake = resolve));
    },
    async return() {
      queue.length = 0;
      ending = true;
      close();
      wake?.({ value: undefined, done: true });
      wake = undefined;
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      await iterator.return!();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
