import { GraphQLError } from 'graphql';
import { sameLines, validatePlaceOrder } from './validation';

function errorOf(fn: () => void): GraphQLError {
  try {
    fn();
  } catch (error) {
    return error as GraphQLError;
  }
  throw new Error('expected an error');
}

describe('placeOrder input validation', () => {
  const item = { productId: 'product-00001', quantity: 1 };

  it('accepts a plain order', () => {
    expect(() => validatePlaceOrder({ idempotencyKey: 'k', items: [item] })).not.toThrow();
  });

  it.each([
    [{ idempotencyKey: '', items: [item] }, 'input.idempotencyKey'],
    [{ idempotencyKey: 'k', items: [] }, 'input.items'],
    [{ idempotencyKey: 'k', items: [{ productId: 'p', quantity: 0 }] }, 'input.items[0].quantity'],
    [{ idempotencyKey: 'k', items: [item, { productId: 'p', quantity: 101 }] }, 'input.items[1].quantity'],
    [{ idempotencyKey: 'k', items: [item, item] }, 'input.items[1].productId'],
    [{ idempotencyKey: 'k', items: [{ productId: ' ', quantity: 1 }] }, 'input.items[0].productId'],
  ])('rejects %j naming %s', (input, field) => {
    const error = errorOf(() => validatePlaceOrder(input));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(error.message).toContain(field);
  });

  it('compares order lines regardless of their order', () => {
    expect(
      sameLines(
        [
          { productId: 'a', quantity: 1 },
          { productId: 'b', quantity: 2 },
        ],
        [
          { productId: 'b', quantity: 2 },
          { productId: 'a', quantity: 1 },
        ],
      ),
    ).toBe(true);
    expect(sameLines([{ productId: 'a', quantity: 1 }], [{ productId: 'a', quantity: 2 }])).toBe(false);
  });
});
