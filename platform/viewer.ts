/**
 * Who is asking, and the checks every access rule is built from. The gateway verifies the
 * client's JWT and forwards the viewer to subgraphs signed (platform/forwarded-claims.ts); a
 * caller without valid claims is ANONYMOUS and sees public data only.
 */
import { forbidden, unauthenticated } from './errors';

/** 'partner' is given only by the gateway's partner endpoint (an API key), never taken from a client token. */
export type Role = 'admin' | 'customer' | 'service' | 'partner';

export interface Viewer {
  userId?: string;
  roles: Role[];
}

export const ANONYMOUS: Viewer = { roles: [] };

export const isAdmin = (viewer: Viewer): boolean => viewer.roles.includes('admin');

/** A partner's service account calling through the partner API. */
export const isPartner = (viewer: Viewer): boolean => viewer.roles.includes('partner');

export function requireUser(viewer: Viewer): string {
  if (!viewer.userId) throw unauthenticated();
  return viewer.userId;
}

/** Refusals made by requireAdmin, so the audit log (subgraphs/kit/audit) can tell them from other FORBIDDEN errors. */
const adminRefusals = new WeakSet<object>();

/** True for a signed-in caller's refusal by requireAdmin (or a GraphQL error made from one). */
export const isAdminRefusal = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  (adminRefusals.has(error) || adminRefusals.has((error as { originalError?: object }).originalError ?? {}));

export function requireAdmin(viewer: Viewer): void {
  requireUser(viewer);
  if (!isAdmin(viewer)) {
    const refusal = forbidden('This operation needs the admin role');
    adminRefusals.add(refusal);
    throw refusal;
  }
}

export function requireService(viewer: Viewer): void {
  requireAllowed(viewer, viewer.roles.includes('service'), 'This operation is internal to the platform');
}

/** True when the viewer may read data that belongs to `ownerId`. */
export const canRead = (viewer: Viewer, ownerId: string): boolean => isAdmin(viewer) || viewer.userId === ownerId;

/**
 * The one way a resolver refuses: an anonymous caller is told to sign in (UNAUTHENTICATED), a
 * signed-in one that the rule does not allow gets FORBIDDEN with `message`.
 */
export function requireAllowed(viewer: Viewer, allowed: boolean, message: string): void {
  if (allowed) return;
  if (!viewer.userId && viewer.roles.length === 0) throw unauthenticated();
  throw forbidden(message);
}

export function requireSelfOrAdmin(viewer: Viewer, ownerId: string, what: string): void {
  requireUser(viewer);
  requireAllowed(viewer, canRead(viewer, ownerId), `You may read only your own ${what}`);
}
