/**
 * The payments part of a personal data export (platform/privacy-export.ts): every payment of the
 * user, and the statement that no card data is stored (the card goes to the provider and only the
 * method name and the outcome are kept). Internal, like ordersPersonalData.
 */
import { Arg, Ctx, Directive, ID, Query, Resolver } from 'type-graphql';
import type { PrismaClient } from '../../prisma/database';
import { CARD_DATA_NOTICE, type PaymentsPart } from '../../platform/privacy-export';
import { requireService } from '../../platform/viewer';
import type { SubgraphContext } from '../kit/context';

export async function paymentsPartOf(prisma: PrismaClient, userId: string): Promise<PaymentsPart> {
  const payments = await prisma.payment.findMany({ where: { userId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  return {
    subgraph: 'payments',
    cardDataStored: false,
    notice: CARD_DATA_NOTICE,
    payments: payments.map((payment) => ({
      id: payment.id,
      orderId: payment.orderId,
      amount: payment.amount,
      currency: payment.currency,
      status: payment.status,
      method: payment.method,
      failureReason: payment.failureReason,
      createdAt: payment.createdAt.toISOString(),
      updatedAt: payment.updatedAt.toISOString(),
    })),
  };
}

@Resolver()
export class PaymentsPersonalDataResolver {
  @Directive('@inaccessible')
  @Query(() => String, {
    description:
      "Internal (users export worker): the payments part of the user's personal data export, as JSON (docs/privacy-export.schema.json).",
  })
  async paymentsPersonalData(
    @Arg('userId', () => ID, { description: 'The user the export is about.' }) userId: string,
    @Ctx() { viewer, prisma }: SubgraphContext,
  ): Promise<string> {
    requireService(viewer);
    return JSON.stringify(await paymentsPartOf(prisma, userId));
  }
}
