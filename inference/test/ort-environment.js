/**
 * Jest runs each test file in its own VM context, so typed arrays made by onnxruntime-node's native
 * binding (outer realm) fail `instanceof Float32Array` checks inside the sandbox. Files that run
 * onnxruntime opt in with `@jest-environment ./inference/test/ort-environment.js`, which hands the
 * sandbox the outer realm's typed-array constructors.
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer',
  'Uint8Array',
  'Int8Array',
  'Uint16Array',
  'Int16Array',
  'Uint32Array',
  'Int32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OrtEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OrtEnvironment;
