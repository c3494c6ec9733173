/** The gateway's metric labels stay within their budgets whatever names and codes arrive. */
import { stableHash } from '../../platform/stable-hash';
import { ANONYMOUS_OPERATION, errorCodeLabel, NO_CODE, OperationLabels, OTHER_CODES, OTHER_OPERATIONS } from './metric-labels';

describe('operation labels', () => {
  it('labels names within the budget, unnamed operations as anonymous and later names as other', () => {
    const labels = new OperationLabels(2);
    expect(labels.label('First')).toBe('First');
    expect(labels.label(null)).toBe(ANONYMOUS_OPERATION);
    expect(labels.label('')).toBe(ANONYMOUS_OPERATION);
    expect(labels.label('Second')).toBe('Second');
    expect(labels.label('Third')).toBe(OTHER_OPERATIONS);
    // Names labelled once keep their label.
    expect(labels.label('First')).toBe('First');
    expect(labels.size).toBe(2);
  });

  it('keeps a flood of random names within the budget', () => {
    const labels = new OperationLabels(100);
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(labels.label(`Op${stableHash(`flood-${i}`).toString(36)}`));
    expect(seen.size).toBe(101); // 100 names and "other"
    expect(seen.has(OTHER_OPERATIONS)).toBe(true);
  });

  it('labels no new name once the budget is lowered below what is labelled', () => {
    const labels = new OperationLabels(3);
    ['A', 'B', 'C'].forEach((name) => labels.label(name));
    labels.setBudget(1);
    expect(labels.label('D')).toBe(OTHER_OPERATIONS);
    expect(labels.label('A')).toBe('A');
  });
});

describe('error code labels', () => {
  it('labels a code of the usual shape, a missing one as NONE and anything else as OTHER', () => {
    expect(errorCodeLabel({ extensions: { code: 'SERVICE_UNAVAILABLE' } })).toBe('SERVICE_UNAVAILABLE');
    expect(errorCodeLabel({})).toBe(NO_CODE);
    expect(errorCodeLabel({ extensions: { code: 'lower case' } })).toBe(OTHER_CODES);
    expect(errorCodeLabel({ extensions: { code: 42 } })).toBe(OTHER_CODES);
    expect(errorCodeLabel({ extensions: { code: `X${'Y'.repeat(80)}` } })).toBe(OTHER_CODES);
  });

  it('labels at most 64 distinct codes per process', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) seen.add(errorCodeLabel({ extensions: { code: `CODE_${i}` } }));
    expect(seen.size).toBeLessThanOrEqual(65);
    expect(seen.has(OTHER_CODES)).toBe(true);
  });
});
