import type { PrismaClient } from '../../prisma/database';
import type { Viewer } from '../../platform/viewer';
import { byIdLoader, groupLoader } from '../kit/loaders';
import { findPaymentsByIds, findPaymentsOfOrders } from './data';
import { mayReadPayment } from './payment.access';

export const createLoaders = (prisma: PrismaClient, viewer: Viewer) => ({
  /** Payments the viewer may read (payment.access.ts); any other loads as null. */
  payment: byIdLoader(
    (ids) => findPaymentsByIds(prisma, ids),
    (payment) => mayReadPayment(viewer, payment),
  ),
  /** All attempts per order; `Order.payment` applies the rule to the one it shows. */
  paymentsOfOrder: groupLoader(
    (orderIds) => findPaymentsOfOrders(prisma, orderIds),
    (payment) => payment.orderId,
  ),
});

export type PaymentsLoaders = ReturnType<typeof createLoaders>;
