/**
 * A user's recommendations (and the interactions behind them) are theirs: the user and admins
 * may read them, as a list or as a live subscription. Similar products are public, like the
 * catalogue they come from.
 */
import { requireSelfOrAdmin, type Viewer } from '../../../platform/viewer';

export const requireMayReadRecommendationsOf = (viewer: Viewer, userId: string): void =>
  requireSelfOrAdmin(viewer, userId, 'recommendations');
