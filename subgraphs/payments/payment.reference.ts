import type { SubgraphContext } from '../kit/context';
import { toPayment } from './data';
import type { PaymentsLoaders } from './loaders';
import { Order, type Payment } from './payment';

/** The loader applies payment.access.ts: a payment the viewer may not read resolves to null. */
export async function resolvePaymentReference(reference: Pick<Payment, 'id'>, context: SubgraphContext<PaymentsLoaders>) {
  const row = await context.loaders.payment.load(reference.id);
  return row ? toPayment(row) : null;
}

/** `Order.payment` lives here; the order itself is the orders subgraph's. */
export const resolveOrderReference = (reference: Pick<Order, 'id'>) => Object.assign(new Order(), { id: reference.id });
