/**
 * Where a request came from, as a subgraph can know it. Subgraphs see the viewer's signed claims
 * (platform/forwarded-claims.ts), not the client's address: that stays at the gateway, on
 * purpose. An IP address is personal data (GDPR recital 30), which the audit log must not hold
 * beyond the actor's id, and the id already says who acted; the gateway's own logs have the
 * address, for their shorter life, if an investigation needs to join them by time.
 */
import type { Viewer } from '../../../platform/viewer';

export type AuditOrigin = 'partner-api' | 'platform-service' | 'gateway' | 'anonymous' | 'platform' | 'cli';

export function originOf(viewer: Viewer): AuditOrigin {
  // The partner role is given only by the gateway's partner endpoint, for a request with an API key.
  if (viewer.roles.includes('partner')) return 'partner-api';
  if (viewer.roles.includes('service')) return 'platform-service';
  // A user id comes only from claims the gateway signed for a token it verified.
  if (viewer.userId) return 'gateway';
  return 'anonymous';
}
