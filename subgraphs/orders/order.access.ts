/**
 * Who may read an order (and its items and payment): the customer who placed it and admins. The
 * payments service asks for an order as its caller, so it sees exactly what that caller may.
 * Root fields, `User.orders` and the reference resolver all go through these rules.
 */
import { canRead, requireSelfOrAdmin, type Viewer } from '../../platform/viewer';

export const mayReadOrder = (viewer: Viewer, order: { userId: string }): boolean => canRead(viewer, order.userId);

/** A user's order list: UNAUTHENTICATED without a viewer, FORBIDDEN for another's. */
export const requireMayReadOrdersOf = (viewer: Viewer, userId: string): void => requireSelfOrAdmin(viewer, userId, 'orders');
