import { ScoringError } from '../errors.js';
import { float32Sigmoid, float32SoftmaxInPlace } from './float32Math.js';
import { NODE_STRIDE, type XgbModel } from './model.js';

/** Rows as a dense row-major matrix of `numFeature` columns; NaN marks a missing value. */
export interface DenseRows {
  readonly data: Float32Array;
  readonly nRows: number;
}

const ROW_BLOCK = 128;

function toDense(model: XgbModel, rows: DenseRows | ReadonlyArray<ArrayLike<number>>): DenseRows {
  if (!Array.isArray(rows)) {
    const dense = rows as DenseRows;
    if (dense.data.length !== dense.nRows * model.numFeature) {
      throw new ScoringError(
        'SCORING_INPUT_INVALID',
        `dense rows: ${dense.data.length} values is not ${dense.nRows} rows x ${model.numFeature} features`,
      );
    }
    return dense;
  }
  const list = rows as ReadonlyArray<ArrayLike<number>>;
  const data = new Float32Array(list.length * model.numFeature);
  list.forEach((row, r) => {
    if (row.length !== model.numFeature) {
      throw new ScoringError(
        'SCORING_INPUT_INVALID',
        `row ${r} has ${row.length} features, the model expects ${model.numFeature}`,
      );
    }
    for (let c = 0; c < row.length; c++) data[r * model.numFeature + c] = row[c] as number;
  });
  return { data, nRows: list.length };
}

/**
 * Raw margins (XGBoost's `output_margin=True`): per row and output group, the base margin plus
 * the leaf value of every tree of that group, added one tree at a time in float32.
 * Returns `nRows * numGroup` values, row-major.
 */
export function predictMargin(
  model: XgbModel,
  rows: DenseRows | ReadonlyArray<ArrayLike<number>>,
): Float32Array {
  const { data, nRows } = toDense(model, rows);
  const { numFeature, numGroup, baseMargin, treeRoot, treeGroup, nodes, threshold } = model;
  const nTrees = treeRoot.length;
  const out = new Float32Array(nRows * numGroup);
  for (let r = 0; r < nRows; r++) {
    for (let g = 0; g < numGroup; g++) out[r * numGroup + g] = baseMargin[g] as number;
  }
  if (model.kernels !== undefined) {
    // Kernel by kernel over all rows: each row still gets its trees in model order.
    for (const kernel of model.kernels) {
      for (let r = 0; r < nRows; r++) kernel(data, r * numFeature, out, r * numGroup);
    }
    return out;
  }
  // Blocks of rows, tree by tree inside a block: the tree's nodes stay in cache, and each row
  // still receives its trees' leaves in model order (the float32 sums depend on that order).
  for (let blockStart = 0; blockStart < nRows; blockStart += ROW_BLOCK) {
    const blockEnd = Math.min(nRows, blockStart + ROW_BLOCK);
    for (let t = 0; t < nTrees; t++) {
      const root = treeRoot[t] as number;
      const group = treeGroup[t] as number;
      for (let r = blockStart; r < blockEnd; r++) {
        const rowStart = r * numFeature;
        let node = root;
        let at = node * NODE_STRIDE;
        let left = nodes[at] as number;
        // Literal field offsets (NODE_RIGHT 1, NODE_MISSING 2, NODE_FEATURE 3) keep this tight.
        while (left !== -1) {
          const value = data[rowStart + (nodes[at + 3] as number)] as number;
          const split = threshold[node] as number;
          // Both comparisons are false only for NaN, the missing value.
          if (value < split) node = left;
          else if (value >= split) node = nodes[at + 1] as number;
          else node = nodes[at + 2] as number;
          at = node * NODE_STRIDE;
          left = nodes[at] as number;
        }
        // A Float32Array store rounds the exact double sum: float32 addition.
        const slot = r * numGroup + group;
        out[slot] = (out[slot] as number) + (threshold[node] as number);
      }
    }
  }
  return out;
}

/**
 * Predictions as XGBoost's `predict` returns them: probabilities for logistic and softprob
 * models, the class index for softmax, the margin itself for regression and logitraw.
 */
export function predict(
  model: XgbModel,
  rows: DenseRows | ReadonlyArray<ArrayLike<number>>,
): Float32Array {
  const margins = predictMargin(model, rows);
  switch (model.objective) {
    case 'reg:logistic':
    case 'binary:logistic':
      for (let i = 0; i < margins.length; i++) margins[i] = float32Sigmoid(margins[i] as number);
      return margins;
    case 'multi:softprob':
      for (let s = 0; s < margins.length; s += model.numGroup) {
        float32SoftmaxInPlace(margins, s, model.numGroup);
      }
      return margins;
    case 'multi:softmax': {
      const nRows = margins.length / model.numGroup;
      const classes = new Float32Array(nRows);
      for (let r = 0; r < nRows; r++) {
        let best = 0;
        for (let g = 1; g < model.numGroup; g++) {
          const m = margins[r * model.numGroup + g] as number;
          if (m > (margins[r * model.numGroup + best] as number)) best = g;
        }
        classes[r] = best;
      }
      return classes;
    }
    default:
      return margins;
  }
}
