import { InferenceError } from '../errors';
import { decodeElements, decodeInferBody, encodeElements } from './binary-tensors';

/** A body as tritonclient sends it: the JSON header, then each binary input's bytes in input order. */
function body(inputs: { name: string; datatype: string; shape: number[]; bytes: Buffer }[]) {
  const header = Buffer.from(
    JSON.stringify({
      inputs: inputs.map(({ name, datatype, shape, bytes }) => ({ name, datatype, shape, parameters: { binary_data_size: bytes.length } })),
    }),
  );
  return { header: String(header.length), bytes: Buffer.concat([header, ...inputs.map((i) => i.bytes)]) };
}

describe('binary tensor decoding', () => {
  it('decodes straight into the typed arrays the model takes, bit for bit', () => {
    const ints = [0, -1, 42, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
    const floats = [Math.fround(0.1), -0, Math.fround(1e-38), Math.fround(3.4e38), Math.fround(-2.5)];
    // An odd offset in the body: the decoder may not rely on aligned views.
    const { header, bytes } = body([
      { name: 'odd', datatype: 'INT64', shape: [0, 1], bytes: Buffer.alloc(0) },
      { name: 'i', datatype: 'INT64', shape: [1, 5], bytes: encodeElements('INT64', ints) },
      { name: 'f', datatype: 'FP32', shape: [5, 1], bytes: encodeElements('FP32', floats) },
    ]);
    const decoded = decodeInferBody(Buffer.concat([Buffer.alloc(1), bytes]).subarray(1), header) as {
      inputs: { data: unknown }[];
    };
    const [, i, f] = decoded.inputs.map((input) => input.data);
    expect(i).toBeInstanceOf(BigInt64Array);
    expect(Array.from(i as BigInt64Array)).toEqual(ints.map(BigInt));
    expect(f).toBeInstanceOf(Float32Array);
    expect(Array.from(f as Float32Array)).toEqual(floats);
    expect(Object.is((f as Float32Array)[1], -0)).toBe(true);
  });

  it.each([
    ['more bytes than the shape holds', [1, 1], 16, /has 16 bytes of binary data but shape \[1, 1\] of INT64 needs 8/],
    ['fewer bytes than the shape holds', [2, 3], 40, /has 40 bytes of binary data but shape \[2, 3\] of INT64 needs 48/],
    ['a shape far beyond the bytes sent (nothing is allocated for it)', [1e9, 1e9], 8, /needs 8000000000000000000/],
    ['a shape that is not a list of sizes', [1, -1], 8, /needs "shape" as an array of non-negative integers/],
  ])('refuses %s with a 400', (_label, shape, size, message) => {
    const attempt = () => decodeElements('x', 'INT64', shape, Buffer.alloc(size));
    expect(attempt).toThrow(InferenceError);
    expect(attempt).toThrow(message);
  });
});
