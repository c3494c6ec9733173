/**
 * The gateway's own poll of the users subgraph for erased subjects
 * (gateway/plugins/http/auth/erased-subjects.ts) runs on its own clock, beside the pipeline, so it
 * is not a client's fetch: hops that count or inspect clients' fetches let it through unrecorded.
 */
export function isGatewayPoll(body: Buffer): boolean {
  try {
    const { query } = JSON.parse(body.toString('utf8')) as { query?: unknown };
    return typeof query === 'string' && query.startsWith('query ErasedSubjects');
  } catch {
    return false;
  }
}
