/**
 * The domain events services exchange, durably (outbox, relay, consumer groups). Payloads are plain
 * JSON so every bus can carry them. Live notifications that may be missed (dashboards, cache
 * invalidation) are not events: they go over the platform's broadcast (platform/broadcast).
 */

export interface OrderPlaced {
  orderId: string;
  userId: string;
  items: { productId: string; quantity: number; unitPriceAmount: number }[];
  totalAmount: number;
  currency: string;
  placedAt: string;
}

export type OrderStatus = 'PENDING_PAYMENT' | 'PAID' | 'REFUNDED' | 'EXPIRED' | 'CONFIRMED';

/** An order moved from one status to another (written only when the row actually changed). */
export interface OrderStatusChanged {
  orderId: string;
  userId: string;
  from: OrderStatus;
  to: OrderStatus;
  changedAt: string;
}

/**
 * Stock held for an order goes back: the order expired unpaid, its payment was refunded, or the
 * placement was given up after the stock was reserved (ABANDONED: no order was recorded). The
 * products service returns the units of `reservationId` to stock, once however often this
 * arrives. Written in the same transaction as the status change that causes it.
 */
export interface OrderReservationReleased {
  /** Null for an abandoned placement. */
  orderId: string | null;
  /** The id placeOrder reserved the stock under (products."StockReservation"). */
  reservationId: string;
  reason: 'EXPIRED' | 'REFUNDED' | 'ABANDONED';
}

export interface PaymentEvent {
  paymentId: string;
  orderId: string;
  userId: string;
  amount: number;
  currency: string;
}

export interface InteractionRecorded {
  userId: string;
  productId: string;
  kind: 'VIEW' | 'ADD_TO_CART';
  occurredAt: string;
}

/**
 * A user was erased (docs/privacy.md#erasure): their account is gone and every subgraph removes or
 * pseudonymises what it holds about them, then reports its part with user.erasure_completed.
 */
export interface UserErased {
  erasureId: string;
  userId: string;
  /**
   * Random per erasure, never derived from the user id: it replaces the user id in the records
   * bookkeeping must keep (orders, payments), so they still match each other but no longer name the user.
   */
  pseudonym: string;
  erasedAt: string;
}

/** A subgraph finished its part of an erasure; the counts are the proof the erasure shows. */
export interface UserErasureCompleted {
  erasureId: string;
  subgraph: string;
  counts: { deleted: number; pseudonymised: number };
}

export interface EventPayloads {
  'order.placed': OrderPlaced;
  'order.status_changed': OrderStatusChanged;
  'order.reservation_released': OrderReservationReleased;
  'interaction.recorded': InteractionRecorded;
  'payment.captured': PaymentEvent;
  'payment.failed': PaymentEvent & { reason: string };
  'payment.refunded': PaymentEvent;
  'user.erased': UserErased;
  'user.erasure_completed': UserErasureCompleted;
}

export type EventType = keyof EventPayloads;

export interface DomainEvent<T extends EventType = EventType> {
  /** Unique per event; handlers use it to stay idempotent under redelivery. */
  id: string;
  type: T;
  occurredAt: string;
  payload: EventPayloads[T];
  /** The W3C trace context of the work that wrote it, when that was traced: its publishing and handling link back to it. */
  traceparent?: string;
}

export type EventHandler<T extends EventType> = (event: DomainEvent<T>) => Promise<void>;

export interface EventBus {
  /**
   * Hands one event to the bus, id included, so consumers can tell a redelivery from a new event.
   * Services do not call this: they write events to their outbox (outbox.ts) and the relay
   * (relay.ts) publishes them, so an event is never lost when the bus is down.
   */
  publish(event: DomainEvent): Promise<void>;
  /**
   * Delivers every event of `type` to one member of `group` (a service), at least once.
   * A handler that throws gets the event again later. Returns a function that stops consuming.
   */
  subscribe<T extends EventType>(type: T, group: string, handler: EventHandler<T>): () => void;
  close(): Promise<void>;
}
