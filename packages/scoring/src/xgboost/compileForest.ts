import { NODE_FEATURE, NODE_LEFT, NODE_MISSING, NODE_RIGHT, NODE_STRIDE } from './model.js';

/**
 * A compiled slice of the forest: adds its trees' leaves to one row's margins, tree by tree in
 * model order, each addition rounded to float32. `data[rowStart + f]` is feature f of the row;
 * `out[outStart + g]` is the row's margin for output group g.
 */
export type ForestKernel = (
  data: Float32Array,
  rowStart: number,
  out: Float32Array,
  outStart: number,
) => void;

export interface ForestLayout {
  readonly numGroup: number;
  readonly treeRoot: Int32Array;
  readonly treeGroup: Int32Array;
  readonly nodes: Int32Array;
  readonly threshold: Float32Array;
}

/** Trees per generated function: large enough to amortise the call, small enough to optimise. */
const TREES_PER_KERNEL = 25;
/** Deeper trees are evaluated by the interpreter (nested expressions this deep stress parsers). */
export const MAX_COMPILED_DEPTH = 48;

/** A float32 value as a JavaScript literal that reads back as the same number (keeping -0). */
function literal(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

function depth(layout: ForestLayout, node: number): number {
  const at = node * NODE_STRIDE;
  const left = layout.nodes[at + NODE_LEFT] as number;
  if (left === -1) return 0;
  return 1 + Math.max(depth(layout, left), depth(layout, layout.nodes[at + NODE_RIGHT] as number));
}

/**
 * One tree as a single expression. Each split makes exactly one comparison and sends NaN (a
 * missing value) the tree's default way: `v < t` is false for NaN (goes right), `!(v >= t)` is
 * true for NaN (goes left). Only numbers from typed arrays are written into the code.
 */
function treeExpression(layout: ForestLayout, node: number): string {
  const at = node * NODE_STRIDE;
  const left = layout.nodes[at + NODE_LEFT] as number;
  const split = layout.threshold[node] as number;
  if (left === -1) return literal(split);
  const right = layout.nodes[at + NODE_RIGHT] as number;
  const value = `d[o+${layout.nodes[at + NODE_FEATURE] as number}]`;
  const test =
    layout.nodes[at + NODE_MISSING] === left
      ? `!(${value}>=${literal(split)})`
      : `${value}<${literal(split)}`;
  return `(${test}?${treeExpression(layout, left)}:${treeExpression(layout, right)})`;
}

/**
 * Compiles the forest into JavaScript functions (generated code with the thresholds and leaf
 * values as literals, which V8 turns into straight-line machine code). Returns undefined when a
 * tree is deeper than MAX_COMPILED_DEPTH; the interpreter then evaluates the model.
 */
export function compileForest(layout: ForestLayout): ForestKernel[] | undefined {
  const nTrees = layout.treeRoot.length;
  for (let t = 0; t < nTrees; t++) {
    if (depth(layout, layout.treeRoot[t] as number) > MAX_COMPILED_DEPTH) return undefined;
  }
  const kernels: ForestKernel[] = [];
  for (let first = 0; first < nTrees; first += TREES_PER_KERNEL) {
    const last = Math.min(nTrees, first + TREES_PER_KERNEL);
    const groups = new Set<number>();
    const body: string[] = [];
    for (let t = first; t < last; t++) {
      const g = layout.treeGroup[t] as number;
      groups.add(g);
      body.push(`m${g}=f(m${g}+${treeExpression(layout, layout.treeRoot[t] as number)});`);
    }
    const load = [...groups].map((g) => `let m${g}=out[s+${g}];`);
    const store = [...groups].map((g) => `out[s+${g}]=m${g};`);
    const source = `"use strict";return function(d,o,out,s){${[...load, ...body, ...store].join('\n')}};`;
    // The source holds only numeric literals taken from typed arrays, never text from the model.
    const factory = new Function('f', source) as (fround: (x: number) => number) => ForestKernel;
    kernels.push(factory(Math.fround));
  }
  return kernels;
}
