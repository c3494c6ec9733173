import { ErrorCode } from './errors';
import { ANONYMOUS, requireAllowed, requireSelfOrAdmin, type Viewer } from './viewer';

const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return String((error as { extensions?: { code?: string } }).extensions?.code);
  }
};

describe('access checks', () => {
  const alice: Viewer = { userId: 'user-0001', roles: ['customer'] };
  const admin: Viewer = { userId: 'user-0009', roles: ['admin'] };

  it('requireAllowed: nothing when allowed, UNAUTHENTICATED for anonymous, FORBIDDEN for a signed-in viewer', () => {
    expect(codeOf(() => requireAllowed(alice, true, 'no'))).toBeUndefined();
    expect(codeOf(() => requireAllowed(ANONYMOUS, false, 'no'))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(codeOf(() => requireAllowed(alice, false, 'no'))).toBe(ErrorCode.FORBIDDEN);
  });

  it('requireSelfOrAdmin lets the owner and admins through only', () => {
    expect(codeOf(() => requireSelfOrAdmin(alice, 'user-0001', 'orders'))).toBeUndefined();
    expect(codeOf(() => requireSelfOrAdmin(admin, 'user-0001', 'orders'))).toBeUndefined();
    expect(codeOf(() => requireSelfOrAdmin(alice, 'user-0002', 'orders'))).toBe(ErrorCode.FORBIDDEN);
    expect(codeOf(() => requireSelfOrAdmin({ roles: ['service'] }, 'user-0002', 'orders'))).toBe(ErrorCode.UNAUTHENTICATED);
  });
});
