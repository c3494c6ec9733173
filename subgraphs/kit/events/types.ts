/** The domain events services exchange. Payloads are plain JSON so every bus can carry them. */

export interface OrderPlaced {
  orderId: string;
  userId: string;
  items: { productId: string; quantity: number; unitPriceAmount: number }[];
  totalAmount: number;
  currency: string;
  placedAt: string;
}

export interface PaymentEvent {
  paymentId: string;
  orderId: string;
  userId: string;
  amount: number;
  currency: string;
}

export interface EventPayloads {
  'order.placed': OrderPlaced;
  'payment.captured': PaymentEvent;
  'payment.failed': PaymentEvent & { reason: string };
  'payment.refunded': PaymentEvent;
}

export type EventType = keyof EventPayloads;

export interface DomainEvent<T extends EventType = EventType> {
  /** Unique per event; handlers use it to stay idempotent under redelivery. */
  id: string;
  type: T;
  occurredAt: string;
  payload: EventPayloads[T];
}

export type EventHandler<T extends EventType> = (event: DomainEvent<T>) => Promise<void>;

export interface EventBus {
  publish<T extends EventType>(type: T, payload: EventPayloads[T]): Promise<void>;
  /**
   * Delivers every event of `type` to one member of `group` (a service), at least once.
   * A handler that throws gets the event again later.
   */
  subscribe<T extends EventType>(type: T, group: string, handler: EventHandler<T>): void;
  close(): Promise<void>;
}
