/**
 * Each bound at its edge: the limit itself is accepted, one step past it is rejected with the
 * field named. A step is 1 for ints, 64 for image sides, one item for lists, one character (or one
 * base64 quad) for text, and the next representable double for float bounds.
 */
import { describe, expect, it } from 'vitest';
import { parseSynapseFields } from '../synapse';
import {
  EXAMPLE_IMAGE_B64,
  TASK_DEFS,
  type TaskSynapseName,
  VALID_TASK_INPUTS,
} from '../testing/taskExamples';
import { base64Length, INPUT_IMAGE_MAX_BYTES } from './limits';

function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const b = new Float64Array([x]);
  const i = new BigInt64Array(b.buffer);
  i[0] = (i[0] as bigint) + (x >= 0 ? 1n : -1n);
  return b[0] as number;
}
function nextDown(x: number): number {
  return -nextUp(-x);
}

interface Edge {
  synapse: TaskSynapseName;
  field: string;
  ok: readonly unknown[];
  bad: readonly unknown[];
}

const msg = (n: number) => Array.from({ length: n }, () => ({ role: 'user', content: 'hi' }));
const strs = (n: number, len = 1) => Array.from({ length: n }, () => 'x'.repeat(len));
const maxImageChars = base64Length(INPUT_IMAGE_MAX_BYTES);

const EDGES: Edge[] = [
  { synapse: 'TextToImage', field: 'steps', ok: [1, 50], bad: [0, 51] },
  { synapse: 'TextToImage', field: 'cfg_scale', ok: [1, 10], bad: [nextDown(1), nextUp(10)] },
  { synapse: 'TextToImage', field: 'width', ok: [512, 1344], bad: [448, 1408, 576 + 1] },
  { synapse: 'TextToImage', field: 'height', ok: [512, 1344], bad: [448, 1408, 1024 - 32] },
  { synapse: 'TextToImage', field: 'seed', ok: [0, 4_294_967_295], bad: [-1, 4_294_967_296] },
  {
    synapse: 'TextToImage',
    field: 'prompt',
    ok: ['x', 'x'.repeat(1000)],
    bad: ['', 'x'.repeat(1001)],
  },
  {
    synapse: 'TextToImage',
    field: 'negative_prompt',
    ok: ['', 'x'.repeat(1000)],
    bad: ['x'.repeat(1001)],
  },
  {
    synapse: 'TextToImage',
    field: 'model',
    ok: ['m', 'a'.repeat(128), 'org/name'],
    bad: ['', 'a'.repeat(129), 'a/b/c'],
  },
  { synapse: 'TextToImage', field: 'lora', ok: ['l', 'a'.repeat(64)], bad: ['', 'a'.repeat(65)] },
  {
    synapse: 'ImageToImage',
    field: 'image_strength',
    ok: [Number.MIN_VALUE, 1],
    bad: [0, nextUp(1)],
  },
  {
    synapse: 'ImageToImage',
    field: 'init_image',
    ok: ['AAAA', 'A'.repeat(maxImageChars)],
    bad: ['', 'A'.repeat(maxImageChars + 4)],
  },
  { synapse: 'ControlNet', field: 'conditioning_scale', ok: [0, 2], bad: [nextDown(0), nextUp(2)] },
  {
    synapse: 'ClipEmbeddings',
    field: 'image_b64s',
    ok: [[EXAMPLE_IMAGE_B64], Array(10).fill(EXAMPLE_IMAGE_B64)],
    bad: [[], Array(11).fill(EXAMPLE_IMAGE_B64)],
  },
  { synapse: 'Chat', field: 'messages', ok: [msg(1), msg(64)], bad: [[], msg(65)] },
  { synapse: 'Chat', field: 'max_tokens', ok: [1, 4096], bad: [0, 4097] },
  { synapse: 'Chat', field: 'temperature', ok: [0, 2], bad: [nextDown(0), nextUp(2)] },
  { synapse: 'Chat', field: 'top_p', ok: [Number.MIN_VALUE, 1], bad: [0, nextUp(1)] },
  { synapse: 'Chat', field: 'top_k', ok: [0, 1000], bad: [-1, 1001] },
  { synapse: 'Chat', field: 'top_logprobs', ok: [0, 20], bad: [-1, 21] },
  { synapse: 'Chat', field: 'stop', ok: [[], strs(4, 64)], bad: [strs(5), strs(1, 65), ['']] },
  { synapse: 'Chat', field: 'seed', ok: [0, 4_294_967_295], bad: [-1, 4_294_967_296] },
  {
    synapse: 'Completion',
    field: 'prompt',
    ok: ['x', 'x'.repeat(32_768)],
    bad: ['', 'x'.repeat(32_769)],
  },
];

describe('task field bounds', () => {
  it.each(EDGES.map((e) => [`${e.synapse}.${e.field}`, e] as const))(
    '%s: edges in, one past out',
    (_, edge) => {
      const def = TASK_DEFS[edge.synapse];
      for (const value of edge.ok) {
        const parsed = parseSynapseFields(def, {
          ...VALID_TASK_INPUTS[edge.synapse],
          [edge.field]: value,
        });
        expect(parsed[edge.field]).toStrictEqual(value);
      }
      for (const value of edge.bad) {
        expect(() =>
          parseSynapseFields(def, { ...VALID_TASK_INPUTS[edge.synapse], [edge.field]: value }),
        ).toThrow(new RegExp(`^invalid ${edge.synapse}: ${edge.field}(\\.\\d+)?: `));
      }
    },
  );

  it('image sides take every multiple of 64 from 512 to 1344, and nothing else', () => {
    const accepted: number[] = [];
    for (let side = 448; side <= 1408; side += 8) {
      const r = TASK_DEFS.TextToImage.schema.safeParse({
        ...VALID_TASK_INPUTS.TextToImage,
        width: side,
      });
      if (r.success) accepted.push(side);
    }
    expect(accepted).toEqual([
      512, 576, 640, 704, 768, 832, 896, 960, 1024, 1088, 1152, 1216, 1280, 1344,
    ]);
  });

  it('floats, infinities and NaN are refused where the bound is numeric', () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() =>
        parseSynapseFields(TASK_DEFS.Chat, { ...VALID_TASK_INPUTS.Chat, temperature: v }),
      ).toThrow(/^invalid Chat: temperature: /);
    }
  });
});
