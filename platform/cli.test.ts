import { dateOption, integerOption, numberOption } from './cli';

describe('command-line option values', () => {
  it('passes absent options through and converts present ones', () => {
    expect(numberOption(undefined, 'reg')).toBeUndefined();
    expect(numberOption('0.05', 'reg')).toBe(0.05);
    expect(integerOption('-3', 'seed')).toBe(-3);
    expect(integerOption('40', 'users', 0)).toBe(40);
    expect(dateOption('2026-01-02T00:00:00Z', 'now')?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('names the flag and the value it could not read', () => {
    expect(() => numberOption('lots', 'reg')).toThrow('--reg must be a number, got "lots"');
    expect(() => numberOption('', 'reg')).toThrow('--reg must be a number, got ""');
    expect(() => integerOption('2.5', 'seed')).toThrow('--seed must be an integer, got "2.5"');
    expect(() => integerOption('-1', 'users', 0)).toThrow('--users must be a non-negative integer, got "-1"');
    expect(() => integerOption('0', 'epochs', 1)).toThrow('--epochs must be a positive integer, got "0"');
    expect(() => dateOption('yesterday', 'now')).toThrow('--now must be an ISO date, got "yesterday"');
  });
});
