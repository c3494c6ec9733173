import { badInput } from '../../platform/errors';
import type { PlaceOrderInput } from './order';

export const MAX_ORDER_LINES = 50;
export const MAX_QUANTITY = 100;
export const MAX_KEY_LENGTH = 128;

/** Rejects input that is well-typed but unacceptable, naming the offending field. */
export function validatePlaceOrder(input: PlaceOrderInput): void {
  const key = input.idempotencyKey;
  if (key.trim().length === 0 || key.length > MAX_KEY_LENGTH) {
    throw badInput('input.idempotencyKey', `must be 1 to ${MAX_KEY_LENGTH} characters`);
  }
  if (input.items.length === 0 || input.items.length > MAX_ORDER_LINES) {
    throw badInput('input.items', `must have 1 to ${MAX_ORDER_LINES} lines, got ${input.items.length}`);
  }
  const seen = new Set<string>();
  input.items.forEach((item, index) => {
    if (item.productId.trim() === '') throw badInput(`input.items[${index}].productId`, 'must not be empty');
    if (seen.has(item.productId)) {
      throw badInput(`input.items[${index}].productId`, `product ${item.productId} appears twice; combine the quantities`);
    }
    seen.add(item.productId);
    if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > MAX_QUANTITY) {
      throw badInput(`input.items[${index}].quantity`, `must be between 1 and ${MAX_QUANTITY}, got ${item.quantity}`);
    }
  });
}

/** Same lines in any order: a retried request, not a different order under a reused key. */
export function sameLines(a: { productId: string; quantity: number }[], b: { productId: string; quantity: number }[]): boolean {
  const canonical = (lines: { productId: string; quantity: number }[]) =>
    lines
      .map((line) => `${line.productId}×${line.quantity}`)
      .sort()
      .join(',');
  return canonical(a) === canonical(b);
}
