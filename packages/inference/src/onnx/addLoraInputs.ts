import { InferenceError, InferenceErrorCode } from '../errors';
import { type Logger, moduleLogger } from '../log';
import {
  decodeFields,
  encodeFields,
  fieldInts,
  fieldStrings,
  intField,
  messageField,
  type RawField,
  stringField,
} from './protobufFields';

/**
 * Adds LoRA inputs to an exported ONNX decoder so adapters can be fed at run time: for each
 * selected MatMul `y = x·W` (W [in, out]) it adds graph inputs `lora.<target>.A`
 * [in, lora_rank_i] and `lora.<target>.B` [lora_rank_i, out] of W's element type and computes
 * `y = x·W + (x·A)·B`. Targets are named from the node names that torch/Optimum exports give,
 * e.g. `/model/layers.3/self_attn/q_proj/MatMul` → `model.layers.3.self_attn.q_proj`.
 *
 * W is an initializer, or is computed from one by Transpose (a tied lm_head: Optimum exports
 * `lm_head` of Qwen-style tie_word_embeddings models as MatMul(x, Transpose(embed_tokens))),
 * Cast, Identity, or a Constant node; its shape is followed through them. A selected node whose
 * W cannot be followed is left alone, listed in `skipped` with the reason and logged as a
 * warning. Everything else in the file is kept byte for byte (external weight files still apply).
 */
export const defaultLoraNodePattern =
  /^\/(?:model\/layers\.\d+\/(?:self_attn|mlp)\/(?:q|k|v|o|gate|up|down)_proj|lm_head)\/MatMul$/;

export interface AddedLoraTarget {
  target: string;
  inDim: number;
  outDim: number;
  /** How W was found: its initializer, or e.g. `Transpose(model.embed_tokens.weight)`. */
  weight: string;
  /** W's initializer is also read by a Gather (an embedding tied to this projection). */
  tied: boolean;
}

export interface AddLoraResult {
  bytes: Uint8Array;
  targets: AddedLoraTarget[];
  /** Matching nodes left alone, and why. */
  skipped: { node: string; reason: string }[];
}

export interface AddLoraOptions {
  /** Node names to add inputs to (default: every projection and lm_head). */
  nodePattern?: RegExp;
  logger?: Logger;
}

// ONNX field numbers.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_NAME = 3;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const ATTR_NAME = 1;
const ATTR_INT = 3;
const ATTR_TENSOR = 5;
const ATTR_INTS = 8;
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_NAME = 8;
const FLOAT = 1;
const FLOAT16 = 10;

export function targetOfNode(nodeName: string): string {
  return nodeName
    .replace(/^\//, '')
    .replace(/\/MatMul$/, '')
    .replaceAll('/', '.');
}

interface NodeInfo {
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, RawField[]>;
}

interface WeightInfo {
  dims: number[];
  dataType: number;
  /** How it was reached, for the report. */
  via: string;
  /** The initializer it comes from. */
  root: string;
}

function nodeInfo(fields: RawField[]): NodeInfo {
  const attributes = new Map<string, RawField[]>();
  for (const f of fields) {
    if (f.field !== NODE_ATTRIBUTE || f.wire !== 2) continue;
    const attribute = decodeFields(f.value);
    attributes.set(fieldStrings(attribute, ATTR_NAME)[0] ?? '', attribute);
  }
  return {
    name: fieldStrings(fields, NODE_NAME)[0] ?? '',
    op: fieldStrings(fields, NODE_OP_TYPE)[0] ?? '',
    inputs: fieldStrings(fields, NODE_INPUT),
    outputs: fieldStrings(fields, NODE_OUTPUT),
    attributes,
  };
}

function tensorInfo(tensor: RawField[]): { dims: number[]; dataType: number } {
  return {
    dims: fieldInts(tensor, TENSOR_DIMS).map(Number),
    dataType: Number(fieldInts(tensor, TENSOR_DATA_TYPE)[0] ?? 0),
  };
}

/** Follows a MatMul's weight back to an initializer; a string says why it cannot. */
function resolveWeight(
  name: string,
  initializers: ReadonlyMap<string, { dims: number[]; dataType: number }>,
  producers: ReadonlyMap<string, NodeInfo>,
  depth = 0,
): WeightInfo | string {
  const init = initializers.get(name);
  if (init) return { ...init, via: name, root: name };
  const node = producers.get(name);
  if (!node)
    return `its weight ${name} is neither an initializer nor computed by a node (a graph input?)`;
  if (depth > 4) return `its weight ${name} is computed by too long a chain of nodes`;
  if (node.op === 'Constant') {
    const value = node.attributes.get('value');
    const tensor = value?.find((f) => f.field === ATTR_TENSOR && f.wire === 2);
    if (tensor?.wire !== 2) return `its weight ${name} is a Constant without a tensor value`;
    return { ...tensorInfo(decodeFields(tensor.value)), via: `Constant(${node.name})`, root: name };
  }
  if (!['Transpose', 'Cast', 'Identity'].includes(node.op)) {
    return `its weight ${name} is computed by a ${node.op} node (${node.name}), which is not followed`;
  }
  const source = node.inputs[0];
  if (source === undefined) return `its weight ${name} comes from a ${node.op} without input`;
  const from = resolveWeight(source, initializers, producers, depth + 1);
  if (typeof from === 'string') return from;
  const via = `${node.op}(${from.via})`;
  if (node.op === 'Identity') return { ...from, via };
  if (node.op === 'Cast') {
    const to = node.attributes.get('to');
    return { ...from, dataType: Number(to ? (fieldInts(to, ATTR_INT)[0] ?? 0) : 0), via };
  }
  const permAttr = node.attributes.get('perm');
  const perm = permAttr ? fieldInts(permAttr, ATTR_INTS).map(Number) : [1, 0];
  if (from.dims.length !== 2 || perm.join() !== '1,0') {
    return `its weight ${name} is a Transpose (perm ${JSON.stringify(perm)}) of a ${from.dims.length}-D tensor`;
  }
  return { ...from, dims: [from.dims[1] as number, from.dims[0] as number], via };
}

export function addLoraInputs(
  model: Uint8Array,
  options: RegExp | AddLoraOptions = {},
): AddLoraResult {
  const { nodePattern = defaultLoraNodePattern, logger } =
    options instanceof RegExp ? { nodePattern: options } : options;
  const log = moduleLogger('onnx', logger);
  const modelFields = decodeFields(model);
  const graphIndex = modelFields.findIndex((f) => f.field === MODEL_GRAPH && f.wire === 2);
  const graphField = modelFields[graphIndex];
  if (graphField?.wire !== 2) {
    throw new InferenceError(InferenceErrorCode.ModelShapeUnsupported, 'the file has no graph');
  }
  const graph = decodeFields(graphField.value);
  const inputNames = new Set<string>();
  for (const f of graph) {
    if (f.field === GRAPH_INPUT && f.wire === 2)
      inputNames.add(fieldStrings(decodeFields(f.value), 1)[0] ?? '');
  }
  if ([...inputNames].some((n) => n.startsWith('lora.'))) {
    throw new InferenceError(
      InferenceErrorCode.ModelShapeUnsupported,
      'the model already has lora.* inputs',
    );
  }
  const initializers = new Map<string, { dims: number[]; dataType: number }>();
  for (const f of graph) {
    if (f.field !== GRAPH_INITIALIZER || f.wire !== 2) continue;
    const tensor = decodeFields(f.value);
    const name = fieldStrings(tensor, TENSOR_NAME)[0];
    if (name) initializers.set(name, tensorInfo(tensor));
  }
  const producers = new Map<string, NodeInfo>();
  const gathered = new Set<string>();
  for (const f of graph) {
    if (f.field !== GRAPH_NODE || f.wire !== 2) continue;
    const node = nodeInfo(decodeFields(f.value));
    for (const o of node.outputs) producers.set(o, node);
    if (node.op === 'Gather' && node.inputs[0] !== undefined) gathered.add(node.inputs[0]);
  }

  const out: RawField[] = [];
  const newInputs: RawField[] = [];
  const targets: AddedLoraTarget[] = [];
  const skipped: { node: string; reason: string }[] = [];
  const skip = (f: RawField, node: string, reason: string) => {
    skipped.push({ node, reason });
    log.warn({ node, reason }, `no LoRA input added for ${node}: ${reason}`);
    out.push(f);
  };
  for (const f of graph) {
    if (f.field !== GRAPH_NODE || f.wire !== 2) {
      out.push(f);
      continue;
    }
    const node = decodeFields(f.value);
    const name = fieldStrings(node, NODE_NAME)[0] ?? '';
    if (!nodePattern.test(name)) {
      out.push(f);
      continue;
    }
    const op = fieldStrings(node, NODE_OP_TYPE)[0];
    if (op !== 'MatMul') {
      skip(f, name, `it is a ${op} node, not a MatMul`);
      continue;
    }
    const [x, w] = fieldStrings(node, NODE_INPUT);
    const [y] = fieldStrings(node, NODE_OUTPUT);
    if (!x || !y || !w) {
      skip(f, name, 'it lacks an input or output');
      continue;
    }
    const weight = resolveWeight(w, initializers, producers);
    if (typeof weight === 'string') {
      skip(f, name, weight);
      continue;
    }
    if (weight.dims.length !== 2) {
      skip(f, name, `its weight ${weight.via} is ${weight.dims.length}-D, not 2-D`);
      continue;
    }
    if (weight.dataType !== FLOAT && weight.dataType !== FLOAT16) {
      skip(
        f,
        name,
        `its weight ${weight.via} has ONNX type ${weight.dataType}, not float or float16`,
      );
      continue;
    }
    const [inDim, outDim] = weight.dims as [number, number];
    const target = targetOfNode(name);
    const rank = `lora_rank_${targets.length}`;
    const a = `lora.${target}.A`;
    const b = `lora.${target}.B`;
    newInputs.push(messageField(GRAPH_INPUT, valueInfo(a, weight.dataType, [inDim, rank])));
    newInputs.push(messageField(GRAPH_INPUT, valueInfo(b, weight.dataType, [rank, outDim])));
    const base = `${y}/lora_base`;
    let renamed = false;
    const baseNode = node.map((field) => {
      if (!renamed && field.field === NODE_OUTPUT) {
        renamed = true;
        return stringField(NODE_OUTPUT, base);
      }
      return field;
    });
    out.push(messageField(GRAPH_NODE, baseNode));
    out.push(messageField(GRAPH_NODE, opNode('MatMul', [x, a], `${y}/lora_xa`, `${name}/lora_A`)));
    out.push(
      messageField(
        GRAPH_NODE,
        opNode('MatMul', [`${y}/lora_xa`, b], `${y}/lora_delta`, `${name}/lora_B`),
      ),
    );
    out.push(
      messageField(GRAPH_NODE, opNode('Add', [base, `${y}/lora_delta`], y, `${name}/lora_add`)),
    );
    const tied = gathered.has(weight.root);
    targets.push({ target, inDim, outDim, weight: weight.via, tied });
    if (tied) {
      log.info(
        { target, weight: weight.via },
        `LoRA input added for ${target}, whose weight is tied to an embedding`,
      );
    }
  }
  const lastInput = out.reduce((last, f, i) => (f.field === GRAPH_INPUT ? i : last), -1);
  out.splice(lastInput + 1, 0, ...newInputs);
  modelFields[graphIndex] = messageField(MODEL_GRAPH, out);
  return { bytes: encodeFields(modelFields), targets, skipped };
}

function opNode(op: string, inputs: string[], output: string, name: string): RawField[] {
  return [
    ...inputs.map((i) => stringField(NODE_INPUT, i)),
    stringField(NODE_OUTPUT, output),
    stringField(NODE_NAME, name),
    stringField(NODE_OP_TYPE, op),
  ];
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): RawField[] {
  const shape = dims.map((d) =>
    messageField(1, [typeof d === 'number' ? intField(1, d) : stringField(2, d)]),
  );
  const tensorType = [intField(1, elemType), messageField(2, shape)];
  return [stringField(1, name), messageField(2, [messageField(1, tensorType)])];
}
