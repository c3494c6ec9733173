/**
 * Who is asking. The gateway verifies the client's JWT and forwards the claims to subgraphs in
 * headers signed with the internal secret; a subgraph believes those headers only when the
 * signature matches, so a client that reaches a subgraph directly cannot pose as anyone.
 */
import crypto from 'node:crypto';
import { forbidden, unauthenticated } from './errors';

export type Role = 'admin' | 'customer' | 'service';

export interface Viewer {
  userId?: string;
  roles: Role[];
}

export const ANONYMOUS: Viewer = { roles: [] };

export const CLAIM_HEADERS = {
  userId: 'x-viewer-id',
  roles: 'x-viewer-roles',
  signature: 'x-viewer-signature',
} as const;

function sign(secret: string, userId: string, roles: string): string {
  return crypto.createHmac('sha256', secret).update(`${userId}\n${roles}`).digest('hex');
}

/** Headers a trusted caller (the gateway, or a subgraph calling another) attaches to a request. */
export function viewerHeaders(viewer: Viewer, secret: string): Record<string, string> {
  const userId = viewer.userId ?? '';
  const roles = [...viewer.roles].sort().join(',');
  return {
    [CLAIM_HEADERS.userId]: userId,
    [CLAIM_HEADERS.roles]: roles,
    [CLAIM_HEADERS.signature]: sign(secret, userId, roles),
  };
}

const KNOWN_ROLES = new Set<Role>(['admin', 'customer', 'service']);

/** Reads the forwarded claims; unsigned or tampered headers are an anonymous caller. */
export function viewerFromHeaders(headers: Record<string, string | string[] | undefined>, secret: string): Viewer {
  const single = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const signature = single(CLAIM_HEADERS.signature);
  if (!signature) return ANONYMOUS;
  const userId = single(CLAIM_HEADERS.userId) ?? '';
  const roles = single(CLAIM_HEADERS.roles) ?? '';
  const expected = Buffer.from(sign(secret, userId, roles), 'hex');
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return ANONYMOUS;
  return {
    userId: userId || undefined,
    roles: roles.split(',').filter((role): role is Role => KNOWN_ROLES.has(role as Role)),
  };
}

export const isAdmin = (viewer: Viewer): boolean => viewer.roles.includes('admin');

export function requireUser(viewer: Viewer): string {
  if (!viewer.userId) throw unauthenticated();
  return viewer.userId;
}

export function requireAdmin(viewer: Viewer): void {
  requireUser(viewer);
  if (!isAdmin(viewer)) throw forbidden('This operation needs the admin role');
}

export function requireService(viewer: Viewer): void {
  if (!viewer.roles.includes('service')) throw forbidden('This operation is internal to the platform');
}

/** True when the viewer may read data that belongs to `ownerId`. */
export const canRead = (viewer: Viewer, ownerId: string): boolean => isAdmin(viewer) || viewer.userId === ownerId;

export function requireSelfOrAdmin(viewer: Viewer, ownerId: string, what: string): void {
  requireUser(viewer);
  if (!canRead(viewer, ownerId)) throw forbidden(`You may read only your own ${what}`);
}
