import { ScoringError } from '../errors.js';
import { compileForest, type ForestKernel, type ForestLayout } from './compileForest.js';
import { float32Logit } from './float32Math.js';
import {
  NODE_FEATURE,
  NODE_LEFT,
  NODE_MISSING,
  NODE_RIGHT,
  NODE_STRIDE,
  SUPPORTED_OBJECTIVES,
  type XgbModel,
  type XgbObjective,
} from './model.js';
import { type XgbModelJson, type XgbTreeJson, xgbModelJson } from './modelJson.js';

// Objectives whose base_score is a probability, turned into a margin by the logit link at load
// (XGBoost 2.0+ leaves binary:logitraw's base_score as it is).
const LOGISTIC_OBJECTIVES: ReadonlySet<string> = new Set(['reg:logistic', 'binary:logistic']);
const MULTICLASS_OBJECTIVES: ReadonlySet<string> = new Set(['multi:softprob', 'multi:softmax']);

function invalid(message: string, cause?: unknown): ScoringError {
  return new ScoringError('SCORING_MODEL_INVALID', `reward model: ${message}`, { cause });
}

function unsupported(message: string): ScoringError {
  return new ScoringError('SCORING_MODEL_UNSUPPORTED', `reward model: ${message}`);
}

function isObjective(name: string): name is XgbObjective {
  return (SUPPORTED_OBJECTIVES as readonly string[]).includes(name);
}

function boosterName(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const learner = (raw as { learner?: unknown }).learner;
  if (typeof learner !== 'object' || learner === null) return undefined;
  const booster = (learner as { gradient_booster?: unknown }).gradient_booster;
  if (typeof booster !== 'object' || booster === null) return undefined;
  return (booster as { name?: unknown }).name;
}

/** Parses `"[4.9E-1,5.8E-1]"` (XGBoost 3.1+) or `"5E-1"` (older) into float32 values. */
function parseBaseScore(text: string): number[] {
  const inner = text.trim().replace(/^\[/, '').replace(/\]$/, '');
  const values = inner.split(',').map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) {
    throw invalid(`base_score ${JSON.stringify(text)} is not a list of finite numbers`);
  }
  return values.map(Math.fround);
}

function baseMargins(objective: XgbObjective, text: string, numGroup: number): Float32Array {
  const scores = parseBaseScore(text);
  if (scores.length !== 1 && scores.length !== numGroup) {
    throw invalid(`base_score has ${scores.length} values for ${numGroup} outputs`);
  }
  const out = new Float32Array(numGroup);
  for (let g = 0; g < numGroup; g++) {
    const score = scores.length === 1 ? (scores[0] as number) : (scores[g] as number);
    out[g] = LOGISTIC_OBJECTIVES.has(objective) ? float32Logit(score) : score;
  }
  return out;
}

interface FlatForest {
  treeRoot: Int32Array;
  nodes: Int32Array;
  threshold: Float32Array;
}

function checkTree(tree: XgbTreeJson, index: number, numFeature: number): number {
  const n = Number(tree.tree_param.num_nodes);
  const where = `tree ${index}`;
  if (
    tree.tree_param.size_leaf_vector !== undefined &&
    Number(tree.tree_param.size_leaf_vector) > 1
  ) {
    throw unsupported(`${where} has vector leaves (multi-target trees are not supported)`);
  }
  if ((tree.split_type ?? []).some((t) => t !== 0) || (tree.categories_nodes ?? []).length > 0) {
    throw unsupported(`${where} has categorical splits (only numeric splits are supported)`);
  }
  const arrays = [
    tree.left_children,
    tree.right_children,
    tree.split_indices,
    tree.split_conditions,
    tree.default_left,
  ];
  if (n < 1 || arrays.some((a) => a.length !== n)) {
    throw invalid(`${where}: node arrays do not all have num_nodes = ${n} entries`);
  }
  for (let i = 0; i < n; i++) {
    const l = tree.left_children[i] as number;
    const r = tree.right_children[i] as number;
    if (l === -1) continue;
    // XGBoost allocates children after their parent; requiring it rules out cycles.
    if (l <= i || l >= n || r <= i || r >= n) {
      throw invalid(`${where}: node ${i} has children ${l}/${r} out of order or out of range`);
    }
    if ((tree.split_indices[i] as number) >= numFeature) {
      throw invalid(
        `${where}: node ${i} splits on feature ${tree.split_indices[i]} >= ${numFeature}`,
      );
    }
  }
  return n;
}

function flatten(trees: readonly XgbTreeJson[], numFeature: number): FlatForest {
  const sizes = trees.map((tree, i) => checkTree(tree, i, numFeature));
  const total = sizes.reduce((a, b) => a + b, 0);
  const forest: FlatForest = {
    treeRoot: new Int32Array(trees.length),
    nodes: new Int32Array(total * NODE_STRIDE),
    threshold: new Float32Array(total),
  };
  let offset = 0;
  trees.forEach((tree, t) => {
    forest.treeRoot[t] = offset;
    const n = sizes[t] as number;
    for (let i = 0; i < n; i++) {
      const at = (offset + i) * NODE_STRIDE;
      const l = tree.left_children[i] as number;
      const left = l === -1 ? -1 : offset + l;
      const right = l === -1 ? -1 : offset + (tree.right_children[i] as number);
      forest.nodes[at + NODE_LEFT] = left;
      forest.nodes[at + NODE_RIGHT] = right;
      forest.nodes[at + NODE_MISSING] = Number(tree.default_left[i]) !== 0 ? left : right;
      forest.nodes[at + NODE_FEATURE] = tree.split_indices[i] as number;
      forest.threshold[offset + i] = tree.split_conditions[i] as number;
    }
    offset += n;
  });
  return forest;
}

function parseJson(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch (error) {
    throw invalid('the text is not JSON', error);
  }
}

function validate(raw: unknown): XgbModelJson {
  const name = boosterName(raw);
  if (name !== undefined && name !== 'gbtree') {
    throw unsupported(`booster ${JSON.stringify(name)} is not supported (only gbtree)`);
  }
  const parsed = xgbModelJson.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const path = first ? first.path.join('.') : '';
    throw invalid(`not an XGBoost gbtree JSON model (${path}: ${first?.message})`, parsed.error);
  }
  return parsed.data;
}

/**
 * Loads XGBoost's `save_model` JSON (the parsed object or its text) into an evaluator model.
 * Refuses, with `SCORING_MODEL_UNSUPPORTED`, what it cannot reproduce exactly: dart and gblinear
 * boosters, categorical splits, multi-target trees and objectives outside SUPPORTED_OBJECTIVES.
 */
/** Compiled kernels, or the interpreter where code generation is off (node --disallow-code-generation-from-strings). */
function tryCompile(layout: ForestLayout): ForestKernel[] | undefined {
  try {
    return compileForest(layout);
  } catch (error) {
    if (error instanceof EvalError) return undefined;
    throw error;
  }
}

export interface LoadXgbModelOptions {
  /** Compile the trees to JavaScript for speed (default true); false keeps the interpreter. */
  readonly compile?: boolean;
}

export function loadXgbModel(input: unknown, options: LoadXgbModelOptions = {}): XgbModel {
  const json = validate(parseJson(input));
  const param = json.learner.learner_model_param;
  const objective = json.learner.objective.name;
  if (!isObjective(objective)) {
    throw unsupported(`objective ${JSON.stringify(objective)} is not supported`);
  }
  if (Number(param.num_target ?? '1') > 1) {
    throw unsupported('multi-target models are not supported');
  }
  const numFeature = Number(param.num_feature);
  const numClass = Number(param.num_class);
  const numGroup = MULTICLASS_OBJECTIVES.has(objective) ? numClass : 1;
  if (numGroup < 1 || (numGroup === 1 && numClass > 1)) {
    throw invalid(`num_class ${numClass} does not fit objective ${objective}`);
  }
  const model = json.learner.gradient_booster.model;
  if (model === undefined) throw invalid('gradient_booster.model is missing');
  if (model.tree_info.length !== model.trees.length) {
    throw invalid(
      `tree_info has ${model.tree_info.length} entries for ${model.trees.length} trees`,
    );
  }
  const declared = model.gbtree_model_param?.num_trees;
  if (declared !== undefined && Number(declared) !== model.trees.length) {
    throw invalid(`num_trees says ${declared} but the model has ${model.trees.length} trees`);
  }
  const treeGroup = Int32Array.from(model.tree_info);
  if (treeGroup.some((g) => g >= numGroup)) {
    throw invalid(`tree_info names an output group >= ${numGroup}`);
  }
  const forest = flatten(model.trees, numFeature);
  const kernels =
    options.compile === false ? undefined : tryCompile({ numGroup, treeGroup, ...forest });
  return {
    objective,
    numFeature,
    featureNames: json.learner.feature_names ?? [],
    numGroup,
    baseMargin: baseMargins(objective, param.base_score, numGroup),
    treeGroup,
    ...forest,
    kernels,
    savedBy: json.version,
  };
}
