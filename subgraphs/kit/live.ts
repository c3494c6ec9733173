/** Live notifications as the AsyncIterable a GraphQL subscription returns. */
import { pushIterator } from '../../platform/push-iterator';
import type { EventBus, NotificationPayloads, NotificationType } from './events';

export function liveIterator<T extends NotificationType>(
  bus: EventBus,
  type: T,
  accept: (payload: NotificationPayloads[T]) => boolean,
  onClose: () => void = () => undefined,
): AsyncIterableIterator<NotificationPayloads[T]> {
  let stop = () => undefined as void;
  const iterator = pushIterator<NotificationPayloads[T]>(() => {
    stop();
    onClose();
  });
  stop = bus.listen(type, (payload) => {
    if (accept(payload)) iterator.push(payload);
  });
  return iterator;
}
