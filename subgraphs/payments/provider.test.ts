import { isValidCardNumber, TestPaymentProvider } from './provider';

describe('test payment provider', () => {
  const provider = new TestPaymentProvider();

  it('always accepts 4242 4242 4242 4242 and always declines 4000 0000 0000 0002', async () => {
    for (let i = 0; i < 3; i++) {
      expect(await provider.authorize({ cardNumber: '4242424242424242', paymentId: 'p' })).toEqual({ ok: true, reference: 'test_p' });
      expect(await provider.authorize({ cardNumber: '4000000000000002', paymentId: 'p' })).toEqual({ ok: false, reason: 'card_declined' });
    }
  });

  it('checks the Luhn digit', () => {
    expect(isValidCardNumber('4242424242424242')).toBe(true);
    expect(isValidCardNumber('4000000000000002')).toBe(true);
    expect(isValidCardNumber('4242424242424241')).toBe(false);
    expect(isValidCardNumber('4242-4242')).toBe(false);
  });
});
