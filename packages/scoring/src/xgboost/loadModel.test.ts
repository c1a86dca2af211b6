import { describe, expect, it } from 'vitest';
import { loadXgbModel } from './loadModel.js';
import { predict, predictMargin } from './predict.js';

/** A hand-written model: one stump on feature 0 (< 0.5, missing goes right) and one leaf. */
function stumpModel(overrides: { objective?: string; baseScore?: string; numClass?: string } = {}) {
  const tree = (left: number[], right: number[], cond: number[], defaultLeft: number[]) => ({
    left_children: left,
    right_children: right,
    split_indices: left.map(() => 0),
    split_conditions: cond,
    default_left: defaultLeft,
    split_type: left.map(() => 0),
    categories_nodes: [],
    tree_param: { num_nodes: String(left.length), num_feature: '2', size_leaf_vector: '1' },
  });
  return {
    version: [3, 2, 0],
    learner: {
      learner_model_param: {
        base_score: overrides.baseScore ?? '[5E-1]',
        num_class: overrides.numClass ?? '0',
        num_feature: '2',
        num_target: '1',
      },
      objective: { name: overrides.objective ?? 'reg:squarederror' },
      gradient_booster: {
        name: 'gbtree',
        model: {
          gbtree_model_param: { num_trees: '2', num_parallel_tree: '1' },
          tree_info: [0, 0],
          trees: [
            tree([1, -1, -1], [2, -1, -1], [0.5, -1.25, 2], [0, 0, 0]),
            tree([-1], [-1], [0.1], [0]),
          ],
        },
      },
    },
  };
}

describe('loadXgbModel + predict on a hand-written model', () => {
  it('walks splits with <, sends missing values by default_left, adds leaves in float32', () => {
    const model = loadXgbModel(stumpModel());
    const margins = predictMargin(model, [
      [0.25, 0],
      [0.5, 0],
      [Number.NaN, 7],
    ]);
    expect(Array.from(margins)).toEqual([
      Math.fround(Math.fround(0.5 + -1.25) + Math.fround(0.1)),
      Math.fround(Math.fround(0.5 + 2) + Math.fround(0.1)),
      Math.fround(Math.fround(0.5 + 2) + Math.fround(0.1)),
    ]);
  });

  it('applies the logit link to base_score and the sigmoid to margins for binary:logistic', () => {
    const model = loadXgbModel(stumpModel({ objective: 'binary:logistic', baseScore: '[5E-1]' }));
    expect(Math.abs(model.baseMargin[0] as number)).toBe(0);
    const [p] = predict(model, [[0.25, 0]]);
    const margin = Math.fround(Math.fround(-1.25) + Math.fround(0.1));
    expect(p).toBeCloseTo(1 / (1 + Math.exp(-margin)), 6);
  });

  it('rejects text that is not JSON, a wrong shape, cycles and bad base scores', () => {
    expect(() => loadXgbModel('{nope')).toThrow(
      expect.objectContaining({ code: 'SCORING_MODEL_INVALID' }),
    );
    expect(() => loadXgbModel({ learner: {} })).toThrow(/not an XGBoost gbtree JSON model/);
    const cyclic = stumpModel();
    const [first] = cyclic.learner.gradient_booster.model.trees;
    if (first) first.left_children = [0, -1, -1];
    expect(() => loadXgbModel(cyclic)).toThrow(/out of order or out of range/);
    expect(() => loadXgbModel(stumpModel({ baseScore: '[1,2]' }))).toThrow(
      /2 values for 1 outputs/,
    );
    expect(() => loadXgbModel(stumpModel({ objective: 'rank:pairwise' }))).toThrow(
      expect.objectContaining({ code: 'SCORING_MODEL_UNSUPPORTED' }),
    );
  });

  it('refuses rows of the wrong width', () => {
    const model = loadXgbModel(stumpModel());
    expect(() => predict(model, [[1, 2, 3]])).toThrow(
      expect.objectContaining({ code: 'SCORING_INPUT_INVALID' }),
    );
    expect(() => predict(model, { data: new Float32Array(3), nRows: 2 })).toThrow(
      /3 values is not 2 rows/,
    );
  });
});

/** A chain of `depth` splits on feature 0 (node k: x < k goes to a leaf worth k). */
function chainModel(depth: number) {
  const n = depth * 2 + 1;
  const left = new Array<number>(n).fill(-1);
  const right = new Array<number>(n).fill(-1);
  const cond = new Array<number>(n).fill(0);
  for (let k = 0; k < depth; k++) {
    left[2 * k] = 2 * k + 1;
    right[2 * k] = 2 * k + 2;
    cond[2 * k] = k;
    cond[2 * k + 1] = k;
  }
  cond[n - 1] = 1000;
  return {
    learner: {
      learner_model_param: { base_score: '5E-1', num_class: '0', num_feature: '1' },
      objective: { name: 'reg:squarederror' },
      gradient_booster: {
        name: 'gbtree',
        model: {
          tree_info: [0],
          trees: [
            {
              left_children: left,
              right_children: right,
              split_indices: new Array<number>(n).fill(0),
              split_conditions: cond,
              default_left: new Array<number>(n).fill(1),
              tree_param: { num_nodes: String(n), num_feature: '1' },
            },
          ],
        },
      },
    },
  };
}

describe('compiled and interpreted evaluation', () => {
  it('compiles shallow trees and leaves very deep ones to the interpreter, same results', () => {
    const shallow = loadXgbModel(chainModel(10));
    const deep = loadXgbModel(chainModel(60));
    expect(shallow.kernels).toHaveLength(1);
    expect(deep.kernels).toBeUndefined();
    expect(Array.from(predict(shallow, [[3.5], [Number.NaN], [50]]))).toEqual([4.5, 0.5, 1000.5]);
    expect(Array.from(predict(deep, [[25.5], [Number.NaN], [70]]))).toEqual([26.5, 0.5, 1000.5]);
  });
});
