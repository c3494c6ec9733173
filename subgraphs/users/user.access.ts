/**
 * Who may read a user account (name, e-mail, segment): the user and admins. The root fields and
 * the reference resolver both load through this rule (loaders.ts), so `_entities` with a guessed
 * id gives null, never someone's e-mail.
 */
import { canRead, requireSelfOrAdmin, type Viewer } from '../../platform/viewer';

export const mayReadUser = (viewer: Viewer, user: { id: string }): boolean => canRead(viewer, user.id);

/** For root fields that name an account: UNAUTHENTICATED without a viewer, FORBIDDEN for another's. */
export const requireMayReadUser = (viewer: Viewer, userId: string): void => requireSelfOrAdmin(viewer, userId, 'account');
