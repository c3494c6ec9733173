import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { eventually } from '../../../../test/support/eventually';
import { createErasedSubjects } from './erased-subjects';
import { createTokenVerifier, signToken } from './token';

const log = pino({ level: 'silent' });
const SECRET = 'erased-subjects-test-secret';

/** A stand-in users subgraph: answers `erasedSubjects(since)` from `subjects`, or never while `hang`. */
async function usersStub() {
  const state = { subjects: [] as { userId: string; erasedAt: string }[], hang: false, asked: [] as (string | null)[] };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const since = (JSON.parse(body) as { variables: { since: string | null } }).variables.since;
      state.asked.push(since);
      if (state.hang) return;
      res.setHeader('content-type', 'application/json');
      const erasedSubjects = state.subjects.filter((subject) => since === null || subject.erasedAt >= since);
      res.end(JSON.stringify({ data: { erasedSubjects } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('erased subjects (gateway)', () => {
  it('learns of erasures by polling alone, refuses those tokens after the cache, and keeps its list while the users service hangs', async () => {
    const users = await usersStub();
    const erased = createErasedSubjects({ usersUrl: users.url, internalSecret: 'internal', refreshMs: 50, timeoutMs: 100, log });
    const verifier = createTokenVerifier({ jwtSecret: SECRET, erased });
    erased.onErased((userId) => verifier.dropSubject(userId));
    const heard: string[] = [];
    erased.onErased((userId) => heard.push(userId));
    try {
      const token = `Bearer ${await signToken(SECRET, { userId: 'u-1' })}`;
      // Verified and cached before the erasure.
      expect((await verifier.verify(token)).userId).toBe('u-1');
      expect(verifier.cachedTokens).toBe(1);

      users.state.subjects.push({ userId: 'u-1', erasedAt: '2026-12-08T10:00:00.000Z' });
      await eventually(
        async () => erased.has('u-1'),
        (has) => has,
      );
      expect(verifier.cachedTokens).toBe(0);
      await expect(verifier.verify(token)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
      // The next questions start at the newest erasure it knows.
      await eventually(
        async () => users.state.asked.at(-1),
        (since) => since === '2026-12-08T10:00:00.000Z',
      );

      // A users service that does not answer: the list stays, nothing waits past the timeout.
      users.state.hang = true;
      const started = Date.now();
      await erased.refresh();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(erased.has('u-1')).toBe(true);
      await expect(verifier.verify(token)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
      // Each subject is heard once, however often it is answered.
      expect(heard).toEqual(['u-1']);
    } finally {
      await erased.close();
      await users.close();
    }
  });

  it('polls nothing where the supergraph has no users subgraph, and answers refresh and close at once', async () => {
    const warn = jest.spyOn(log, 'warn');
    const erased = createErasedSubjects({ usersUrl: undefined, internalSecret: 'internal', refreshMs: 10, timeoutMs: 100, log });
    await erased.refresh();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(erased.has('u-1')).toBe(false);
    expect(warn).not.toHaveBeenCalled();
    await erased.close();
  });
});
