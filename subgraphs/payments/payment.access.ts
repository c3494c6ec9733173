/**
 * Who may read a payment: the customer who paid (the order's owner) and admins. `Payment` by
 * reference, `Order.payment` and refunds all apply this one rule.
 */
import { canRead, type Viewer } from '../../platform/viewer';

export const mayReadPayment = (viewer: Viewer, payment: { userId: string }): boolean => canRead(viewer, payment.userId);
