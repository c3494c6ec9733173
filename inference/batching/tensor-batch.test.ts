import { concatRequests, splitRows } from './tensor-batch';

const i64 = (values: number[]) => BigInt64Array.from(values.map(BigInt));

describe('concatRequests / splitRows', () => {
  it('stacks rows in request order and pads variable-width rows with the pad value', () => {
    const batch = concatRequests(
      [
        { user_index: { data: i64([7]), dims: [1, 1] }, exclude: { data: i64([1, 2, 3]), dims: [1, 3] } },
        { user_index: { data: i64([8, 9]), dims: [2, 1] }, exclude: { data: i64([4, 5]), dims: [2, 1] } },
      ],
      { exclude: 99 },
    );
    expect(batch.user_index.dims).toEqual([3, 1]);
    expect(Array.from(batch.user_index.data as BigInt64Array, Number)).toEqual([7, 8, 9]);
    expect(batch.exclude.dims).toEqual([3, 3]);
    expect(Array.from(batch.exclude.data as BigInt64Array, Number)).toEqual([1, 2, 3, 4, 99, 99, 5, 99, 99]);
  });

  it('gives each caller exactly its own rows back', () => {
    const outputs = { score: { data: Float32Array.from([1, 2, 3, 4, 5, 6]), dims: [3, 2] } };
    const [a, b] = splitRows(outputs, [1, 2]);
    expect(Array.from(a.score.data as Float32Array)).toEqual([1, 2]);
    expect(b.score.dims).toEqual([2, 2]);
    expect(Array.from(b.score.data as Float32Array)).toEqual([3, 4, 5, 6]);
  });
});
