import { assertTransition, canTransition } from './state-machine';

describe('payment state machine', () => {
  it('allows the happy path and refunds of captured payments', () => {
    expect(canTransition('PENDING', 'AUTHORIZED')).toBe(true);
    expect(canTransition('AUTHORIZED', 'CAPTURED')).toBe(true);
    expect(canTransition('CAPTURED', 'REFUNDED')).toBe(true);
    expect(canTransition('PENDING', 'FAILED')).toBe(true);
  });

  it.each([
    ['PENDING', 'REFUNDED'],
    ['FAILED', 'REFUNDED'],
    ['REFUNDED', 'REFUNDED'],
    ['REFUNDED', 'CAPTURED'],
    ['CAPTURED', 'FAILED'],
  ] as const)('refuses %s → %s with INVALID_STATE_TRANSITION', (from, to) => {
    expect(() => assertTransition(from, to)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'INVALID_STATE_TRANSITION', from, to }) }),
    );
  });
});
