/**
 * The training flags `npm run train` and `npm run eval` share, for node:util's parseArgs, and
 * their conversion to training options.
 */
import { integerOption, numberOption } from '../platform/cli';

export const ALS_FLAGS = {
  factors: { type: 'string' },
  epochs: { type: 'string' },
  reg: { type: 'string' },
  alpha: { type: 'string' },
  seed: { type: 'string' },
} as const;

export interface AlsFlagValues {
  factors?: string;
  epochs?: string;
  reg?: string;
  alpha?: string;
  seed?: string;
}

/** The ALS settings given on the command line (absent ones are left to the defaults). */
export function alsOptions(values: AlsFlagValues) {
  const options = {
    factors: integerOption(values.factors, 'factors', 1),
    epochs: integerOption(values.epochs, 'epochs', 1),
    regularization: numberOption(values.reg, 'reg'),
    alpha: numberOption(values.alpha, 'alpha'),
    seed: integerOption(values.seed, 'seed'),
  };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<typeof options>;
}
