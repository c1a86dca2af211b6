/**
 * onnxruntime-node as every module of this package imports it (`import * as ort from
 * '../runtime/ort'`, never 'onnxruntime-node' itself; test/architecture.test.ts holds that).
 *
 * Node 24 has a global Float16Array; Node 20 and 22 have none. Where it exists, onnxruntime keeps
 * float16 tensor data in one (it even wraps a Uint16Array passed in), which the 1.24 native binding
 * refuses ("must be a typed array (4) ... got typed array (11)"), and hands float16 outputs back
 * as Float16Array values instead of the bits runtime/float16.ts decodes. onnxruntime picks the
 * class once, at the first tensor made in the process: that tensor is made here, with Float16Array
 * hidden, so float16 data is Uint16Array bits on every Node version.
 */
import * as onnxruntime from 'onnxruntime-node';

const scope = globalThis as { Float16Array?: unknown };
const float16Array = scope.Float16Array;
if (float16Array !== undefined) {
  scope.Float16Array = undefined;
  try {
    new onnxruntime.Tensor('float32', new Float32Array(0), [0]);
  } finally {
    scope.Float16Array = float16Array;
  }
}
if (!(new onnxruntime.Tensor('float16', new Uint16Array(1), [1]).data instanceof Uint16Array)) {
  throw new Error(
    'onnxruntime keeps float16 tensors as Float16Array: a tensor was made before packages/inference/src/runtime/ort.ts was loaded',
  );
}

export * from 'onnxruntime-node';
