import { ProtobufWriter } from './protobufWriter';

/**
 * A small builder for ONNX models (ModelProto with one GraphProto), enough to write test models
 * with real operators. Field numbers follow onnx.proto (IR version 8, default domain only).
 */
export type ElemType = 'float32' | 'float16' | 'int64' | 'bool';
export type Dim = number | string;

const ELEM_CODE: Record<ElemType, number> = { float32: 1, float16: 10, int64: 7, bool: 9 };

export type Attr =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: readonly number[] };

export const attr = {
  int: (value: number): Attr => ({ kind: 'int', value }),
  float: (value: number): Attr => ({ kind: 'float', value }),
  ints: (value: readonly number[]): Attr => ({ kind: 'ints', value }),
};

interface ValueInfo {
  name: string;
  type: ElemType;
  dims: readonly Dim[];
}

export class OnnxGraph {
  private readonly nodes: ProtobufWriter[] = [];
  private readonly initializers: ProtobufWriter[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  input(name: string, type: ElemType, dims: readonly Dim[]): string {
    this.inputs.push({ name, type, dims });
    return name;
  }

  output(name: string, type: ElemType, dims: readonly Dim[]): void {
    this.outputs.push({ name, type, dims });
  }

  /** Adds a constant tensor; returns its name. */
  tensor(name: string, data: Float32Array | BigInt64Array, dims: readonly number[]): string {
    const t = new ProtobufWriter().packedInts(1, dims);
    if (data instanceof Float32Array) {
      t.int(2, ELEM_CODE.float32);
      t.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } else {
      t.int(2, ELEM_CODE.int64);
      t.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
    t.string(8, name);
    this.initializers.push(t);
    return name;
  }

  floats(values: readonly number[], dims?: readonly number[]): string {
    return this.tensor(this.fresh('const'), Float32Array.from(values), dims ?? [values.length]);
  }

  ints(values: readonly number[], dims?: readonly number[]): string {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    return this.tensor(this.fresh('const'), data, dims ?? [values.length]);
  }

  fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  /** Adds a node with one output; returns the output name (generated unless given). */
  op(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, Attr> = {},
    outputName?: string,
    nodeName?: string,
  ): string {
    const out = outputName ?? this.fresh(opType.toLowerCase());
    const node = new ProtobufWriter();
    for (const i of inputs) node.string(1, i);
    node.string(2, out);
    node.string(3, nodeName ?? this.fresh(`node_${opType}`));
    node.string(4, opType);
    for (const [name, a] of Object.entries(attrs)) {
      const w = new ProtobufWriter().string(1, name);
      if (a.kind === 'int') w.int(3, a.value).int(20, 2);
      else if (a.kind === 'float') w.float(2, a.value).int(20, 1);
      else w.packedInts(8, a.value).int(20, 7);
      node.message(5, w);
    }
    this.nodes.push(node);
    return out;
  }

  toBytes(opset = 17): Uint8Array {
    const graph = new ProtobufWriter();
    for (const n of this.nodes) graph.message(1, n);
    graph.string(2, this.name);
    for (const t of this.initializers) graph.message(5, t);
    for (const i of this.inputs) graph.message(11, valueInfo(i));
    for (const o of this.outputs) graph.message(12, valueInfo(o));
    return new ProtobufWriter()
      .int(1, 8)
      .string(2, 'subnet-inference-testing')
      .message(7, graph)
      .message(8, new ProtobufWriter().string(1, '').int(2, opset))
      .finish();
  }
}

function valueInfo(v: ValueInfo): ProtobufWriter {
  const shape = new ProtobufWriter();
  for (const d of v.dims) {
    const dim = new ProtobufWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtobufWriter().int(1, ELEM_CODE[v.type]).message(2, shape);
  return new ProtobufWriter()
    .string(1, v.name)
    .message(2, new ProtobufWriter().message(1, tensorType));
}
