import { GraphQLError, parse } from 'graphql';
import { unavailableErrors, unavailableReason } from './errors';

describe('unavailableReason', () => {
  it('names the network failures that mean a subgraph is unavailable', () => {
    expect(unavailableReason(Object.assign(new Error('refused'), { code: 'ECONNREFUSED', type: 'system' }))).toBe('connection_refused');
    expect(unavailableReason(Object.assign(new Error('reset'), { code: 'ECONNRESET', type: 'system' }))).toBe('connection_failed');
    expect(unavailableReason(Object.assign(new Error('aborted'), { name: 'AbortError', type: 'aborted' }))).toBe('timeout');
    expect(unavailableReason(new DOMException('timed out', 'TimeoutError'))).toBe('timeout');
    expect(unavailableReason(new GraphQLError('503: Service Unavailable', { extensions: { response: { status: 503 } } }))).toBe('http_5xx');
  });

  it('leaves every other failure alone, so a gateway bug still answers INTERNAL_SERVER_ERROR', () => {
    expect(unavailableReason(new Error('Expected "data._entities" in response to be an array'))).toBeUndefined();
    expect(unavailableReason(new GraphQLError('401: Unauthorized', { extensions: { response: { status: 401 } } }))).toBeUndefined();
    expect(unavailableReason('a string')).toBeUndefined();
    expect(unavailableReason(null)).toBeUndefined();
  });
});

describe('unavailableErrors', () => {
  it('gives one error per entity of an entity fetch, at the path Apollo Gateway maps to the entity', () => {
    const errors = unavailableErrors({
      serviceName: 'products',
      reason: 'connection_refused',
      variables: {
        representations: [
          { __typename: 'Product', id: 'a' },
          { __typename: 'Product', id: 'b' },
        ],
      },
    });
    expect(errors.map((error) => error.path)).toEqual([
      ['_entities', 0],
      ['_entities', 1],
    ]);
    expect(errors[0]).toEqual({
      message: 'The products service is unavailable (connection refused); the fields it resolves are null.',
      path: ['_entities', 0],
      extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'products', reason: 'connection_refused' },
    });
  });

  it('gives one error per root field of a root fetch, under the name the client asked for', () => {
    const document = parse('query Q__users__0 { me { id } all: users(first: 2) { edges { cursor } } __typename }');
    const errors = unavailableErrors({ serviceName: 'users', reason: 'timeout', document });
    expect(errors.map((error) => error.path)).toEqual([['me'], ['all']]);
    expect(errors[0].message).toBe('The users service is unavailable (it did not answer in time); the fields it resolves are null.');
  });

  it('still gives one error when the fetch names no field', () => {
    expect(unavailableErrors({ serviceName: 'orders', reason: 'http_5xx' })).toEqual([
      {
        message: expect.stringContaining('orders service is unavailable') as string,
        extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE' }) as object,
      },
    ]);
  });
});
