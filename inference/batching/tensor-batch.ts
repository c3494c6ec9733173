/**
 * Stacking requests into one batch and cutting the results back into per-request rows.
 * Rows of a variable-width input (e.g. `exclude`, one list per user) are padded to the widest row
 * in the batch with that input's pad value, which the model treats as "nothing".
 */
import type { HostTensor, TensorData, TensorMap } from '../runtime/onnx-session';

export function concatRequests(requests: TensorMap[], padValues: Record<string, number> = {}): TensorMap {
  const batch: TensorMap = {};
  for (const name of Object.keys(requests[0])) {
    const parts = requests.map((r) => r[name]);
    const rows = parts.reduce((sum, p) => sum + p.dims[0], 0);
    const inner = parts[0].dims.slice(1);
    if (inner.length === 1) inner[0] = Math.max(...parts.map((p) => p.dims[1]));
    else if (parts.some((p) => p.dims.slice(1).join() !== inner.join())) {
      throw new Error(`input ${name}: only the last dimension of a 2-D input may differ between requests`);
    }
    const rowSize = inner.reduce((a, b) => a * b, 1);
    const data = allocateLike(parts[0].data, rows * rowSize);
    const pad = padValues[name] ?? 0;
    let row = 0;
    for (const part of parts) {
      const partRowSize = part.dims.slice(1).reduce((a, b) => a * b, 1);
      if (partRowSize === rowSize) {
        data.set(part.data as never, row * rowSize);
      } else {
        for (let r = 0; r < part.dims[0]; r++) {
          const target = (row + r) * rowSize;
          data.set(part.data.subarray(r * partRowSize, (r + 1) * partRowSize) as never, target);
          fill(data, pad, target + partRowSize, target + rowSize);
        }
      }
      row += part.dims[0];
    }
    batch[name] = { data, dims: [rows, ...inner] };
  }
  return batch;
}

/** Cuts every output's rows back into consecutive slices of the given sizes (copies, so callers own them). */
export function splitRows(outputs: TensorMap, rowCounts: number[]): TensorMap[] {
  const result: TensorMap[] = rowCounts.map(() => ({}));
  for (const [name, tensor] of Object.entries(outputs)) {
    const rowSize = tensor.dims.slice(1).reduce((a, b) => a * b, 1);
    let row = 0;
    rowCounts.forEach((count, i) => {
      const slice: HostTensor = { data: tensor.data.slice(row * rowSize, (row + count) * rowSize), dims: [count, ...tensor.dims.slice(1)] };
      result[i][name] = slice;
      row += count;
    });
  }
  return result;
}

function allocateLike(sample: TensorData, length: number): TensorData {
  return sample instanceof BigInt64Array ? new BigInt64Array(length) : new Float32Array(length);
}

function fill(data: TensorData, value: number, start: number, end: number): void {
  if (data instanceof BigInt64Array) data.fill(BigInt(value), start, end);
  else data.fill(value, start, end);
}
