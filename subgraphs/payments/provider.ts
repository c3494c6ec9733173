/**
 * The payment provider seam. Production plugs in a real acquirer; the platform ships a
 * deterministic test provider whose outcome depends only on the card number.
 */
import crypto from 'node:crypto';

export type ProviderResult = { ok: true; reference: string } | { ok: false; reason: string };

export interface PaymentProvider {
  authorize(request: { cardNumber: string; amount: number; currency: string; paymentId: string }): Promise<ProviderResult>;
  capture(reference: string): Promise<ProviderResult>;
  refund(reference: string): Promise<ProviderResult>;
}

/** Test cards as payment providers document them: these always decline, every other valid number succeeds. */
export const DECLINING_CARDS: Record<string, string> = {
  '4000000000000002': 'card_declined',
  '4000000000009995': 'insufficient_funds',
};

export class TestPaymentProvider implements PaymentProvider {
  async authorize(request: { cardNumber: string; paymentId: string }): Promise<ProviderResult> {
    const declined = DECLINING_CARDS[request.cardNumber];
    return declined ? { ok: false, reason: declined } : { ok: true, reference: `test_${request.paymentId}` };
  }

  async capture(reference: string): Promise<ProviderResult> {
    return { ok: true, reference };
  }

  async refund(reference: string): Promise<ProviderResult> {
    return { ok: true, reference: `${reference}_refund_${crypto.randomUUID().slice(0, 8)}` };
  }
}

/** Card numbers carry a Luhn check digit; a typo is the client's error, not a decline. */
export function isValidCardNumber(cardNumber: string): boolean {
  if (!/^\d{12,19}$/.test(cardNumber)) return false;
  let sum = 0;
  for (let i = 0; i < cardNumber.length; i++) {
    let digit = Number(cardNumber[cardNumber.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export const describeCard = (cardNumber: string): string => `card •••• ${cardNumber.slice(-4)}`;
