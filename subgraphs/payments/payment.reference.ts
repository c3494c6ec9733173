import type { SubgraphContext } from '../kit/context';
import { canRead } from '../../platform/viewer';
import { toPayment } from './data';
import type { PaymentsLoaders } from './loaders';
import { Order, type Payment } from './payment';

export async function resolvePaymentReference(reference: Pick<Payment, 'id'>, context: SubgraphContext<PaymentsLoaders>) {
  const row = await context.loaders.payment.load(reference.id);
  return row && canRead(context.viewer, row.userId) ? toPayment(row) : null;
}

/** `Order.payment` lives here; the order itself is the orders subgraph's. */
export const resolveOrderReference = (reference: Pick<Order, 'id'>) => Object.assign(new Order(), { id: reference.id });
