import type { ForestKernel } from './compileForest.js';

/** The objectives whose predictions this evaluator reproduces. */
export const SUPPORTED_OBJECTIVES = [
  'reg:squarederror',
  'reg:absoluteerror',
  'reg:pseudohubererror',
  'reg:logistic',
  'binary:logistic',
  'binary:logitraw',
  'multi:softprob',
  'multi:softmax',
] as const;

export type XgbObjective = (typeof SUPPORTED_OBJECTIVES)[number];

/** Int32 fields per node in `XgbModel.nodes`. */
export const NODE_STRIDE = 4;
/** Offsets of the fields within a node's `NODE_STRIDE` slots. */
export const NODE_LEFT = 0;
export const NODE_RIGHT = 1;
export const NODE_MISSING = 2;
export const NODE_FEATURE = 3;

/**
 * A loaded gbtree model, flattened into typed arrays. Node `i` of the whole forest occupies
 * `nodes[i * NODE_STRIDE ...]`: its left and right children (global node indices, left = -1 at a
 * leaf), the child a missing value (NaN) goes to (the tree's `default_left`) and the feature it
 * tests; `threshold[i]` is its float32 split value (`value < threshold` goes left) or, at a leaf,
 * the leaf value.
 */
export interface XgbModel {
  readonly objective: XgbObjective;
  readonly numFeature: number;
  /** Column names the model was trained with (empty when it was trained without names). */
  readonly featureNames: readonly string[];
  /** Outputs per row: the number of classes for multi-class models, else 1. */
  readonly numGroup: number;
  /** The intercept of each output group in margin space (base_score after the link function). */
  readonly baseMargin: Float32Array;
  readonly treeRoot: Int32Array;
  readonly treeGroup: Int32Array;
  readonly nodes: Int32Array;
  readonly threshold: Float32Array;
  /** The forest compiled to JavaScript (see compileForest); undefined: the interpreter runs. */
  readonly kernels: readonly ForestKernel[] | undefined;
  /** The XGBoost version that saved the model, when the JSON says. */
  readonly savedBy: readonly number[] | undefined;
}
