import type { PrismaClient } from '../../prisma/database';
import { byIdLoader, groupLoader } from '../kit/loaders';
import { findPaymentsByIds, findPaymentsOfOrders } from './data';

export const createLoaders = (prisma: PrismaClient) => ({
  payment: byIdLoader((ids) => findPaymentsByIds(prisma, ids)),
  paymentsOfOrder: groupLoader(
    (orderIds) => findPaymentsOfOrders(prisma, orderIds),
    (payment) => payment.orderId,
  ),
});

export type PaymentsLoaders = ReturnType<typeof createLoaders>;
