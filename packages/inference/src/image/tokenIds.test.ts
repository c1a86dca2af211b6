import { describe, expect, it } from 'vitest';
import * as ort from '../runtime/ort';
import { OnnxGraph } from '../testing/onnxGraph';
import { ProtobufWriter } from '../testing/protobufWriter';
import { tokenIdsTensor } from './tokenIds';

/** A one-node model `input_ids` (int32 [1, 4]) → Cast → `ids` float, written field by field (onnx.proto). */
function int32IdsModel(): Uint8Array {
  const dims = new ProtobufWriter()
    .message(1, new ProtobufWriter().int(1, 1))
    .message(1, new ProtobufWriter().int(1, 4));
  const valueInfo = (name: string, elemType: number) =>
    new ProtobufWriter()
      .string(1, name)
      .message(
        2,
        new ProtobufWriter().message(1, new ProtobufWriter().int(1, elemType).message(2, dims)),
      );
  const cast = new ProtobufWriter()
    .string(1, 'input_ids')
    .string(2, 'ids')
    .string(3, 'cast')
    .string(4, 'Cast')
    .message(5, new ProtobufWriter().string(1, 'to').int(3, 1).int(20, 2));
  const graph = new ProtobufWriter()
    .message(1, cast)
    .string(2, 'int32_ids')
    .message(11, valueInfo('input_ids', 6))
    .message(12, valueInfo('ids', 1));
  return new ProtobufWriter()
    .int(1, 8)
    .message(7, graph)
    .message(8, new ProtobufWriter().string(1, '').int(2, 17))
    .finish();
}

describe('tokenIdsTensor', () => {
  it('feeds int32 ids to a model that declares int32, int64 otherwise', async () => {
    const int32 = await ort.InferenceSession.create(int32IdsModel());
    const tensor = tokenIdsTensor(int32, [5, 6, 7, 49407], [1, 4]);
    expect(tensor.type).toBe('int32');
    const out = await int32.run({ input_ids: tensor });
    expect(Array.from(out.ids?.data as Float32Array)).toEqual([5, 6, 7, 49407]);
    const g = new OnnxGraph('int64_ids');
    g.output(g.op('Identity', [g.input('input_ids', 'int64', [1, 4])], {}, 'ids'), 'int64', [1, 4]);
    const int64 = await ort.InferenceSession.create(g.toBytes(17));
    expect(tokenIdsTensor(int64, [1, 2, 3, 4], [1, 4]).type).toBe('int64');
    await Promise.all([int32.release(), int64.release()]);
  });
});
