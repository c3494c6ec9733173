/**
 * A tiny builder for ONNX graphs: collect nodes, initializers, inputs and outputs, then encode
 * the ModelProto bytes that onnxruntime loads. Keeps the model files (top-k-scorer.ts) readable.
 */
import { ModelProto, OnnxAttributeType, OnnxDataType } from './onnx-proto';

/** A dimension is a fixed size or a symbolic name (e.g. "batch") that stays dynamic. */
export type Dim = number | string;
export type AttributeValue = number | string | number[] | { floats: number[] } | { float: number };

interface Tensor {
  name: string;
  dataType: OnnxDataType;
  dims: number[];
  rawData: Uint8Array;
}

export const OPSET = 17;
const IR_VERSION = 8;

export class GraphBuilder {
  private readonly nodes: object[] = [];
  private readonly initializers: Tensor[] = [];
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  input(name: string, dataType: OnnxDataType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, dataType, dims));
    return name;
  }

  output(name: string, dataType: OnnxDataType, dims: Dim[]): string {
    this.outputs.push(valueInfo(name, dataType, dims));
    return name;
  }

  floatTensor(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push({ name, dataType: OnnxDataType.FLOAT, dims, rawData: bytesOf(data) });
    return name;
  }

  int64Tensor(name: string, dims: number[], data: number[]): string {
    this.initializers.push({ name, dataType: OnnxDataType.INT64, dims, rawData: bytesOf(BigInt64Array.from(data.map(BigInt))) });
    return name;
  }

  /** Adds a node; returns its output names (generated unless given). */
  node(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, outputs?: string[] | number): string[] {
    const outs = Array.isArray(outputs) ? outputs : Array.from({ length: outputs ?? 1 }, () => `${opType.toLowerCase()}_${this.counter++}`);
    this.nodes.push({
      opType,
      name: `${opType}_${this.nodes.length}`,
      input: inputs,
      output: outs,
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return outs;
  }

  encode(metadata: Record<string, string> = {}): Uint8Array {
    const message = ModelProto.fromObject({
      irVersion: IR_VERSION,
      producerName: 'federation-platform-inference',
      producerVersion: '1',
      opsetImport: [{ domain: '', version: OPSET }],
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return ModelProto.encode(message).finish();
  }
}

function valueInfo(name: string, elemType: OnnxDataType, dims: Dim[]): object {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): object {
  if (typeof value === 'number') return { name, type: OnnxAttributeType.INT, i: value };
  if (typeof value === 'string') return { name, type: OnnxAttributeType.STRING, s: Buffer.from(value) };
  if (Array.isArray(value)) return { name, type: OnnxAttributeType.INTS, ints: value };
  if ('float' in value) return { name, type: OnnxAttributeType.FLOAT, f: value.float };
  return { name, type: OnnxAttributeType.FLOATS, floats: value.floats };
}

/** ONNX raw_data is little-endian; so are the platforms Node runs on. */
function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
