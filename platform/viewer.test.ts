import { ANONYMOUS, viewerFromHeaders, viewerHeaders } from './viewer';

describe('forwarded viewer claims', () => {
  const secret = 'test-secret';

  it('round-trips a signed viewer', () => {
    const headers = viewerHeaders({ userId: 'user-0001', roles: ['customer', 'admin'] }, secret);
    expect(viewerFromHeaders(headers, secret)).toEqual({ userId: 'user-0001', roles: ['admin', 'customer'] });
  });

  it('treats tampered claims as anonymous', () => {
    const headers = viewerHeaders({ userId: 'user-0001', roles: ['customer'] }, secret);
    expect(viewerFromHeaders({ ...headers, 'x-viewer-roles': 'admin' }, secret)).toBe(ANONYMOUS);
    expect(viewerFromHeaders({ ...headers, 'x-viewer-id': 'user-0002' }, secret)).toBe(ANONYMOUS);
  });

  it('treats claims signed with another secret, or unsigned, as anonymous', () => {
    expect(viewerFromHeaders(viewerHeaders({ userId: 'u', roles: [] }, 'other'), secret)).toBe(ANONYMOUS);
    expect(viewerFromHeaders({ 'x-viewer-id': 'user-0001' }, secret)).toBe(ANONYMOUS);
    expect(viewerFromHeaders({ 'x-viewer-id': 'u', 'x-viewer-signature': 'zz' }, secret)).toBe(ANONYMOUS);
  });
});
