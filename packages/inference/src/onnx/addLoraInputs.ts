import { InferenceError, InferenceErrorCode } from '../errors';
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
 * selected MatMul `y = x·W` (W an initializer [in, out]) it adds graph inputs
 * `lora.<target>.A` [in, lora_rank_i] and `lora.<target>.B` [lora_rank_i, out] and computes
 * `y = x·W + (x·A)·B`. Targets are named from the node names that torch/Optimum exports give,
 * e.g. `/model/layers.3/self_attn/q_proj/MatMul` → `model.layers.3.self_attn.q_proj`.
 * Everything else in the file is kept byte for byte (external weight files still apply).
 */
export const defaultLoraNodePattern =
  /^\/(?:model\/layers\.\d+\/(?:self_attn|mlp)\/(?:q|k|v|o|gate|up|down)_proj|lm_head)\/MatMul$/;

export interface AddedLoraTarget {
  target: string;
  inDim: number;
  outDim: number;
}

export interface AddLoraResult {
  bytes: Uint8Array;
  targets: AddedLoraTarget[];
  /** Matching nodes left alone, and why. */
  skipped: { node: string; reason: string }[];
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
const TENSOR_DIMS = 1;
const TENSOR_NAME = 8;

export function targetOfNode(nodeName: string): string {
  return nodeName
    .replace(/^\//, '')
    .replace(/\/MatMul$/, '')
    .replaceAll('/', '.');
}

export function addLoraInputs(
  model: Uint8Array,
  nodePattern: RegExp = defaultLoraNodePattern,
): AddLoraResult {
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
  const initializerDims = new Map<string, number[]>();
  for (const f of graph) {
    if (f.field !== GRAPH_INITIALIZER || f.wire !== 2) continue;
    const tensor = decodeFields(f.value);
    const name = fieldStrings(tensor, TENSOR_NAME)[0];
    if (name) initializerDims.set(name, fieldInts(tensor, TENSOR_DIMS).map(Number));
  }

  const out: RawField[] = [];
  const newInputs: RawField[] = [];
  const targets: AddedLoraTarget[] = [];
  const skipped: { node: string; reason: string }[] = [];
  for (const f of graph) {
    if (f.field !== GRAPH_NODE || f.wire !== 2) {
      out.push(f);
      continue;
    }
    const node = decodeFields(f.value);
    const name = fieldStrings(node, NODE_NAME)[0] ?? '';
    const op = fieldStrings(node, NODE_OP_TYPE)[0];
    if (op !== 'MatMul' || !nodePattern.test(name)) {
      out.push(f);
      continue;
    }
    const [x, w] = fieldStrings(node, NODE_INPUT);
    const [y] = fieldStrings(node, NODE_OUTPUT);
    const dims = w === undefined ? undefined : initializerDims.get(w);
    if (!x || !y || !dims || dims.length !== 2) {
      skipped.push({ node: name, reason: 'its weight is not a 2-D initializer' });
      out.push(f);
      continue;
    }
    const [inDim, outDim] = dims as [number, number];
    const target = targetOfNode(name);
    const rank = `lora_rank_${targets.length}`;
    const a = `lora.${target}.A`;
    const b = `lora.${target}.B`;
    newInputs.push(messageField(GRAPH_INPUT, valueInfo(a, [inDim, rank])));
    newInputs.push(messageField(GRAPH_INPUT, valueInfo(b, [rank, outDim])));
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
    targets.push({ target, inDim, outDim });
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

function valueInfo(name: string, dims: (number | string)[]): RawField[] {
  const shape = dims.map((d) =>
    messageField(1, [typeof d === 'number' ? intField(1, d) : stringField(2, d)]),
  );
  const tensorType = [intField(1, 1), messageField(2, shape)];
  return [stringField(1, name), messageField(2, [messageField(1, tensorType)])];
}
