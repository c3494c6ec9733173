import type { PaymentStatus } from '../../prisma/generated/enums';
import { appError, ErrorCode } from '../../platform/errors';

const ALLOWED: Record<PaymentStatus, PaymentStatus[]> = {
  PENDING: ['AUTHORIZED', 'FAILED'],
  AUTHORIZED: ['CAPTURED', 'FAILED'],
  CAPTURED: ['REFUNDED'],
  FAILED: [],
  REFUNDED: [],
};

export const canTransition = (from: PaymentStatus, to: PaymentStatus): boolean => ALLOWED[from].includes(to);

export function assertTransition(from: PaymentStatus, to: PaymentStatus): void {
  if (!canTransition(from, to)) {
    throw appError(ErrorCode.INVALID_STATE_TRANSITION, `A payment in status ${from} cannot become ${to}`, { from, to });
  }
}
