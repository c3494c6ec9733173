import {
  formatOperationSizes,
  interleave,
  listSource,
  sizeFigures,
  type OperationSizesResult,
  type ServedItem,
} from './operation-sizes-figures';

const item = (modelVersion: string | null, variant: string | null, degraded = false): ServedItem => ({ degraded, modelVersion, variant });

describe('interleave', () => {
  it('goes round the sizes in turn, each visit running both pipelines, the first one alternating', () => {
    const steps = interleave(
      [
        { usersPerOperation: 1, operations: 2 },
        { usersPerOperation: 200, operations: 2 },
      ],
      ['a', 'b'],
    );
    expect(steps.map((step) => `${step.usersPerOperation}${step.pipeline}`)).toEqual([
      '1a',
      '1b',
      '200a',
      '200b',
      '1b',
      '1a',
      '200b',
      '200a',
    ]);
  });

  it('runs each size its operations on every pipeline, a smaller count spread over the run rather than cut off at its end', () => {
    const plan = [
      { usersPerOperation: 1, operations: 60 },
      { usersPerOperation: 10, operations: 60 },
      { usersPerOperation: 50, operations: 60 },
      { usersPerOperation: 200, operations: 40 },
    ];
    const steps = interleave(plan, ['twoStage', 'oneStage']);
    for (const { usersPerOperation, operations } of plan) {
      for (const pipeline of ['twoStage', 'oneStage']) {
        expect(steps.filter((step) => step.usersPerOperation === usersPerOperation && step.pipeline === pipeline)).toHaveLength(operations);
      }
    }
    // 40 operations of 200 users over 60 rounds: two rounds in three, the last round included.
    const sizes = steps.map((step) => step.usersPerOperation);
    const large = sizes.flatMap((size, index) => (size === 200 ? [index] : []));
    expect(large.at(-1)).toBeGreaterThan(sizes.lastIndexOf(1));
    expect(large.filter((index) => index < steps.length / 2)).toHaveLength(40);
    // And as many visits of each size start with either pipeline.
    const firsts = steps.filter((step, index) => step.usersPerOperation === 200 && steps[index - 1]?.usersPerOperation !== 200);
    expect(firsts.filter((step) => step.pipeline === 'twoStage')).toHaveLength(20);
  });
});

describe('listSource', () => {
  it('names the pipeline a model list carries, popularity when no item came from a model', () => {
    expect(listSource([item('v3', 'TWO_STAGE'), item(null, 'TWO_STAGE')])).toEqual({ source: 'TWO_STAGE', degraded: false });
    expect(listSource([item('v3', 'ONE_STAGE')])).toEqual({ source: 'ONE_STAGE', degraded: false });
    expect(listSource([item(null, 'TWO_STAGE', true), item(null, 'TWO_STAGE', true)])).toEqual({ source: 'popularity', degraded: true });
    // Without the products service a model's list is degraded, but still the model's.
    expect(listSource([item('v3', 'ONE_STAGE', true)])).toEqual({ source: 'ONE_STAGE', degraded: true });
  });
});

describe('sizeFigures', () => {
  it('takes percentiles over operations and shares over lists, leaving out the lists of failed operations', () => {
    const figures = sizeFigures(2, [
      {
        ms: 10,
        error: false,
        lists: [
          { source: 'TWO_STAGE', degraded: false },
          { source: 'ONE_STAGE', degraded: false },
        ],
      },
      {
        ms: 30,
        error: false,
        lists: [
          { source: 'popularity', degraded: true },
          { source: 'TWO_STAGE', degraded: false },
        ],
      },
      { ms: 20, error: true, lists: [] },
    ]);
    expect(figures).toEqual({
      usersPerOperation: 2,
      operations: 3,
      errors: 1,
      p50Ms: 20,
      p99Ms: 30,
      maxMs: 30,
      lists: 4,
      degraded: 0.25,
      servedBy: { TWO_STAGE: 0.5, ONE_STAGE: 0.25, popularity: 0.25 },
    });
  });
});

describe('formatOperationSizes', () => {
  const figures = sizeFigures(200, [{ ms: 412.5, error: false, lists: [{ source: 'TWO_STAGE', degraded: false }] }]);
  const result: OperationSizesResult = {
    query: '…',
    inferenceDeadlineMs: 500,
    shippedDeadlineMs: 500,
    seed: { seed: 17, users: 1000, products: 1000, orders: 6000 },
    plan: [{ usersPerOperation: 200, operations: 1 }],
    measuredSeconds: 1,
    totalSeconds: 20,
    measuredAt: '2026-12-07T00:00:00.000Z',
    loadAverage: [1.5, 2],
    cpus: 2,
    pipelines: {
      twoStage: { twoStagePercent: 100, sizes: [figures] },
      oneStage: { twoStagePercent: 0, sizes: [{ ...figures, servedBy: { TWO_STAGE: 0, ONE_STAGE: 0.5, popularity: 0.5 }, degraded: 0.5 }] },
    },
  };

  it('prints the deadline, and one row per pipeline and size', () => {
    const text = formatOperationSizes(result);
    expect(text).toContain('inference deadline 500 ms (the shipped default)');
    expect(text).toContain('load average 1.5 → 2 (2 CPUs)');
    const rows = text.split('\n').filter((line) => /^(100|0)\s/.test(line));
    expect(rows.map((row) => row.split(/\s+/))).toEqual([
      ['100', '200', '1', '412.5', '412.5', '412.5', '0.0%', '100.0%', '0.0%', '0.0%', '0'],
      ['0', '200', '1', '412.5', '412.5', '412.5', '50.0%', '0.0%', '50.0%', '50.0%', '0'],
    ]);
  });

  it('says when the deadline is not the shipped one', () => {
    expect(formatOperationSizes({ ...result, inferenceDeadlineMs: 2000 })).toContain(
      'inference deadline 2000 ms (INFERENCE_DEADLINE_MS; the shipped default is 500 ms)',
    );
  });
});
