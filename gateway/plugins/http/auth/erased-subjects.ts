/**
 * The users erased since the gateway started, so their tokens are refused however long they were
 * signed for (docs/privacy.md#erasure). The gateway holds only ids: it asks the users subgraph
 * (the internal, @inaccessible `erasedSubjects`, with claims signed as a service) for the subjects
 * erased since its last answer every `refreshMs`, which bounds how long an erased user's token
 * still works; the erasure's broadcast (platform/erased-subjects.ts) makes it sooner but may be
 * missed, so the poll is the guarantee. A users subgraph that is down or slow leaves the list as
 * it was (logged once per outage); nothing waits on it but the poll, bounded by `timeoutMs`.
 *
 * Listeners hear each newly erased subject once: the token cache drops the subject's tokens and
 * graphql-ws closes their sockets.
 */
import { openBroadcast, type Broadcast } from '../../../../platform/broadcast';
import { ERASED_SUBJECTS } from '../../../../platform/erased-subjects';
import type { Logger } from '../../../../platform/logger';
import { unsampledTraceparent } from '../../../../platform/telemetry';
import { askUsersService } from '../users-service';

/** What a client of an erased user is told, over HTTP (401) and graphql-ws (4401). */
export const SUBJECT_ERASED = 'The account this token names was erased; its tokens are no longer accepted';

const QUERY = `query ErasedSubjects($since: DateTimeISO) { erasedSubjects(since: $since) { userId erasedAt } }`;

/** The users subgraph answers at most this many per question (subgraphs/users/erasure.data.ts). */
const PAGE = 1000;

export interface ErasedSubjects {
  has(userId: string): boolean;
  /** Called once per subject erased after the gateway learnt of it; returns what stops listening. */
  onErased(listener: (userId: string) => void): () => void;
  /** Asks the users subgraph now (the poll does the same); resolves when answered or given up. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

export interface ErasedSubjectsOptions {
  /** None: a supergraph without the users subgraph (the federation benchmark's) has no one to erase, and nothing is polled. */
  usersUrl: string | undefined;
  internalSecret: string;
  refreshMs: number;
  timeoutMs: number;
  /** The broadcast the users subgraph announces erasures on; none: the poll alone. */
  broadcast?: { redisUrl?: string; namespace: string };
  log: Logger;
}

interface Answer {
  erasedSubjects?: { userId: string; erasedAt: string }[] | null;
}

export function createErasedSubjects(options: ErasedSubjectsOptions): ErasedSubjects {
  const { usersUrl } = options;
  const usersService = usersUrl === undefined ? undefined : { ...options, usersUrl };
  const erased = new Set<string>();
  const listeners = new Set<(userId: string) => void>();
  /** The erasure time of the newest subject known: the next question starts there (inclusive). */
  let since: string | null = null;
  let failing = false;
  let inFlight: Promise<void> | undefined;
  let closed = false;

  const add = (userId: string) => {
    if (erased.has(userId)) return;
    erased.add(userId);
    for (const listener of listeners) {
      try {
        listener(userId);
      } catch (error) {
        options.log.warn({ err: error }, 'erased-subject listener failed');
      }
    }
  };

  async function ask(): Promise<{ userId: string; erasedAt: string }[]> {
    // A poll, not an operation: the users service must not start a trace for each one.
    if (!usersService) return [];
    const answer = await askUsersService<Answer>(usersService, QUERY, { since }, { traceparent: unsampledTraceparent() });
    const subjects = answer.data?.erasedSubjects;
    if (!subjects) throw new Error(`the users service refused: ${answer.errors?.[0]?.message ?? 'no data'}`);
    return subjects;
  }

  async function poll(): Promise<void> {
    try {
      // A full page may have more behind it; pages overlap at `since`, so stop when one adds nothing new.
      for (let page = 0; page < 100 && !closed; page++) {
        const subjects = await ask();
        const before = erased.size;
        for (const subject of subjects) add(subject.userId);
        if (subjects.length > 0) since = subjects[subjects.length - 1].erasedAt;
        if (subjects.length < PAGE || erased.size === before) break;
      }
      if (failing) options.log.info('erased subjects: the users service answers again');
      failing = false;
    } catch (error) {
      if (!failing)
        options.log.warn({ err: error }, 'erased subjects not refreshed: the users service did not answer; keeping the last list');
      failing = true;
    }
  }

  const refresh = () => (usersService === undefined ? Promise.resolve() : (inFlight ??= poll().finally(() => (inFlight = undefined))));

  const broadcast: Broadcast | undefined = options.broadcast
    ? openBroadcast({ redisUrl: options.broadcast.redisUrl, namespace: options.broadcast.namespace, log: options.log })
    : undefined;
  const unsubscribe = broadcast?.subscribe(ERASED_SUBJECTS, {
    message: ({ userId }) => add(userId),
    // Missed announcements: ask now rather than at the next poll.
    gap: () => void refresh(),
  });
  const timer = usersService === undefined ? undefined : setInterval(() => void refresh(), options.refreshMs);
  timer?.unref();
  void refresh();

  return {
    has: (userId) => erased.has(userId),
    onErased(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    refresh,
    async close() {
      closed = true;
      clearInterval(timer);
      unsubscribe?.();
      await inFlight;
      await broadcast?.close();
    },
  };
}
