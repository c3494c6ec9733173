/** Stock held by unpaid orders (subgraphs/orders/reservations.ts). */
import { declareOptions, option } from '../option';

export const orderOptions = declareOptions('Orders', {
  ORDERS_RESERVATION_TTL_SECONDS: option.int({ default: 900, description: 'How long an unpaid order holds its stock (then `EXPIRED`).' }),
  ORDERS_MAX_UNPAID_UNITS: option.int({ default: 200, description: "Units one buyer's unpaid orders may hold (`LIMIT_EXCEEDED`)." }),
  ORDERS_EXPIRY_SWEEP_MS: option.int({ default: 5_000, description: 'How often each orders replica expires due orders.' }),
  ORDERS_EXPIRY_BATCH: option.int({ default: 100, description: 'Orders expired per round.' }),
});
