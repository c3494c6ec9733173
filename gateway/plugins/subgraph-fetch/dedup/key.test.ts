/**
 * The key of a subgraph fetch for in-flight deduplication: equal exactly when the subgraph would
 * see the same request from the same caller, and absent for every fetch that must never be shared.
 */
import { OperationTypeNode } from 'graphql';
import type { SubgraphFetch } from '../../../pipeline/plugin';
import type { RequestState } from '../../../pipeline/request-state';
import type { Role } from '../../../../platform/viewer';
import { fetchIdentity } from './key';

/** The step shares two fetches exactly when both parts of their identities are equal. */
const key = (fetch: SubgraphFetch, generation?: number) => {
  const identity = fetchIdentity(fetch, generation);
  return identity && `${identity.bucket}\u0000${identity.body}`;
};

const QUERY = 'query Page__products__0($first:Int){products(first:$first){edges{node{id name}}}}';

function fetchOf(changes: Partial<SubgraphFetch> & { userId?: string; roles?: Role[] } = {}): SubgraphFetch {
  const { userId = 'user-0001', roles = ['customer'], ...rest } = changes;
  return {
    subgraph: 'products',
    kind: 'operation',
    request: { query: QUERY, variables: { first: 5 }, operationName: 'Page__products__0' },
    headers: {},
    state: { viewer: { userId, roles } } as RequestState,
    operation: { name: 'Page', type: OperationTypeNode.QUERY },
    outcome: {},
    ...rest,
  };
}

describe('fetchIdentity', () => {
  it('is the same for two fetches of the same request from the same viewer', () => {
    // Separate objects, as two client requests make them.
    expect(key(fetchOf())).toBe(key(fetchOf()));
    expect(key(fetchOf({ headers: { 'x-deployment': 'blue' } }))).toBe(key(fetchOf({ headers: { 'x-deployment': 'blue' } })));
  });

  it('is the same whatever the client named its operation: the subgraph never sees that name', () => {
    expect(key(fetchOf({ operation: { name: 'Other', type: OperationTypeNode.QUERY } }))).toBe(key(fetchOf()));
  });

  it.each<[string, Parameters<typeof fetchOf>[0]]>([
    ['another viewer', { userId: 'user-0002' }],
    ['an anonymous viewer', { userId: undefined, state: { viewer: { roles: ['customer'] } } as RequestState }],
    ['the same user with other roles', { roles: ['customer', 'admin'] }],
    ['another subgraph', { subgraph: 'reviews' }],
    ['other variables', { request: { query: QUERY, variables: { first: 6 }, operationName: 'Page__products__0' } }],
    [
      'another query',
      { request: { query: QUERY.replace('name', 'name stock'), variables: { first: 5 }, operationName: 'Page__products__0' } },
    ],
    ['another operationName', { request: { query: QUERY, variables: { first: 5 }, operationName: 'Other__products__0' } }],
    ['extensions', { request: { query: QUERY, variables: { first: 5 }, operationName: 'Page__products__0', extensions: { a: 1 } } }],
    ['a header an operator plugin added', { headers: { 'x-tenant': 'a' } }],
  ])('differs for %s', (_what, changes) => {
    expect(key(fetchOf(changes))).not.toBe(key(fetchOf()));
  });

  it('differs for another value of the same header, and for headers that spell the same text differently', () => {
    expect(key(fetchOf({ headers: { 'x-tenant': 'a' } }))).not.toBe(key(fetchOf({ headers: { 'x-tenant': 'b' } })));
    expect(key(fetchOf({ headers: { 'x-a': 'b', 'x-c': '' } }))).not.toBe(key(fetchOf({ headers: { 'x-a': '', 'x-b': 'x-c' } })));
  });

  it('tells apart bodies of one length, start and end (one bucket) by the whole body', () => {
    const middle = (id: string) =>
      fetchOf({
        request: {
          query: QUERY,
          variables: { ids: ['first-one', id, 'last-one'.repeat(10)], first: 5 },
          operationName: 'Page__products__0',
        },
      });
    expect(fetchIdentity(middle('aaa'))?.bucket).toBe(fetchIdentity(middle('bbb'))?.bucket);
    expect(key(middle('aaa'))).not.toBe(key(middle('bbb')));
  });

  it("never lets a header pass for another caller or body: the caller's part ends at the first line break, which JSON never writes", () => {
    const body = JSON.stringify({ query: QUERY, variables: { first: 5 }, operationName: 'Page__products__0' });
    const smuggling = fetchOf({ headers: { 'x-a': `"]]\n${body}` }, request: { query: '{ __typename }' } });
    expect(key(smuggling)).not.toBe(key(fetchOf()));
    expect(fetchIdentity(smuggling)?.bucket.split('\n')).toHaveLength(4);
  });

  it('reads the roles as the signed claims do: in any order', () => {
    expect(key(fetchOf({ roles: ['admin', 'customer'] }))).toBe(key(fetchOf({ roles: ['customer', 'admin'] })));
  });

  it('leaves out the W3C trace context, which names the request and never its caller', () => {
    const traced = (traceparent: string) =>
      fetchOf({ headers: { traceparent, tracestate: `vendor=${traceparent.slice(3, 8)}`, 'x-tenant': 'a' } });
    expect(key(traced('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'))).toBe(
      key(traced('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')),
    );
    expect(key(traced('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'))).toBe(key(fetchOf({ headers: { 'x-tenant': 'a' } })));
  });

  it('differs between generations: a fetch started before a change announced is never shared after it', () => {
    expect(key(fetchOf(), 1)).not.toBe(key(fetchOf(), 2));
  });

  it.each<[string, Parameters<typeof fetchOf>[0]]>([
    ['mutation', { operation: { name: 'Order', type: OperationTypeNode.MUTATION } }],
    ['subscription (its events are completed with query fetches)', { operation: { name: 'Live', type: OperationTypeNode.SUBSCRIPTION } }],
    ['health check', { kind: 'health-check', operation: undefined, state: undefined }],
    ['schema loading', { kind: 'loading-schema', operation: undefined, state: undefined }],
    ['client operation the fetch does not name', { operation: undefined }],
  ])('is absent for the fetches of a %s', (_what, changes) => {
    expect(key(fetchOf(changes))).toBeUndefined();
  });
});
