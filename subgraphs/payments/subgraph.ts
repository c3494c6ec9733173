import type { SubgraphDefinition } from '../kit/definition';
import { PaymentsPersonalDataResolver } from './personal-data';
import { consumeErasures } from './erasure';
import { createLoaders, type PaymentsLoaders } from './loaders';
import { resolveOrderReference, resolvePaymentReference } from './payment.reference';
import { OrderPaymentResolver, PaymentResolver } from './resolver';

export const paymentsSubgraph: SubgraphDefinition<PaymentsLoaders> = {
  name: 'payments',
  resolvers: [PaymentResolver, OrderPaymentResolver, PaymentsPersonalDataResolver],
  referenceResolvers: {
    Payment: { __resolveReference: resolvePaymentReference },
    Order: { __resolveReference: resolveOrderReference },
  },
  createLoaders,
  consumeEvents: consumeErasures,
};
