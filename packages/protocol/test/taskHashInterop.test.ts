/**
 * The task synapses hash and announce their inputs exactly as the Python SDK does for the mirrored
 * classes in python/task_synapses.py: same field order, same required fields, same str() of each
 * hashed field, same body hash, same bt_header_input_obj_* placeholders. One Python process
 * answers every case.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bodyHash,
  createSynapse,
  INPUT_OBJ_PREFIX,
  pyStr,
  type SynapseDef,
  toHeaders,
} from '../src/index';
import {
  EXAMPLE_IMAGE_B64,
  TASK_DEFS,
  type TaskSynapseName,
  VALID_TASK_INPUTS,
} from '../src/testing/taskExamples';
import { runPython } from './support/python';

interface Case {
  label: string;
  synapse: TaskSynapseName;
  fields: Record<string, unknown>;
}

interface PythonView {
  field_order: string[];
  required_fields: string[];
  required_hash_fields: string[];
  hash_strs: Record<string, string>;
  body_hash: string;
  placeholders: Record<string, string>;
}

const hashes = {
  average_hash: 'ffd7918181c9ffff',
  perceptual_hash: 'c4d3d3c3c3c3c3c3',
  difference_hash: '0e2a2a2a2a2a2a0e',
  color_hash: '07000000000',
};

const CASES: Case[] = [
  ...(Object.keys(VALID_TASK_INPUTS) as TaskSynapseName[]).map((synapse) => ({
    label: `valid ${synapse}`,
    synapse,
    fields: { ...VALID_TASK_INPUTS[synapse] },
  })),
  {
    label: 'TextToImage, fractional guidance, unicode and quotes in both prompts',
    synapse: 'TextToImage',
    fields: {
      prompt: 'l\'été "chaud" — 夏の海 🌊\nsecond line\twith a tab and a \\ backslash',
      negative_prompt: "it's blurry",
      cfg_scale: 7.5,
      width: 1344,
      height: 768,
      seed: 3_000_000_000,
      model: 'org/sdxl-base',
      lora: 'pixel_art.v3',
    },
  },
  {
    label: 'TextToImage, integral guidance (renders 1.0), empty negative prompt, outputs filled',
    synapse: 'TextToImage',
    fields: {
      prompt: 'x',
      negative_prompt: '',
      cfg_scale: 1,
      steps: 50,
      seed: 0,
      model: 'm',
      image_b64: EXAMPLE_IMAGE_B64,
      image_hashes: hashes,
      clip_embedding: [0.125, -2.5e-7, 1, 3.0000000000000004],
      is_nsfw: false,
    },
  },
  {
    label: 'ImageToImage, tiny strength',
    synapse: 'ImageToImage',
    fields: { ...VALID_TASK_INPUTS.ImageToImage, image_strength: 1e-5, cfg_scale: 10 },
  },
  {
    label: 'ControlNet, zero conditioning',
    synapse: 'ControlNet',
    fields: { ...VALID_TASK_INPUTS.ControlNet, conditioning_scale: 0, control_type: 'scribble' },
  },
  {
    label: 'ClipEmbeddings with embeddings answered',
    synapse: 'ClipEmbeddings',
    fields: { ...VALID_TASK_INPUTS.ClipEmbeddings, clip_embeddings: [[0.5, -1e-5], []] },
  },
  {
    label: 'Chat, 1e-05 temperature and top_p, empty stop list, quotes and emoji in content',
    synapse: 'Chat',
    fields: {
      messages: [
        { role: 'user', content: 'Say "it\'s" — twice 🙂' },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'Ünïcödé\r\n\u0000\u200b' },
      ],
      temperature: 1e-5,
      top_p: 1e-5,
      top_k: 1000,
      stop: [],
      seed: 4_294_967_295,
      model: 'llama-3.2-3b-instruct',
      lora: 'support-bot',
    },
  },
  {
    label: 'Chat with its outputs filled',
    synapse: 'Chat',
    fields: {
      ...VALID_TASK_INPUTS.Chat,
      text: 'Seven.',
      token_logprobs: [
        {
          token: 'Seven',
          token_id: 85_113,
          logprob: -0.25,
          top_logprobs: [{ token: 'Two', logprob: -1.5 }],
        },
        { token: '.', logprob: 0, top_logprobs: [] },
      ],
      finish_reason: 'stop',
    },
  },
  {
    label: 'Completion, temperature 2, stops with quotes',
    synapse: 'Completion',
    fields: {
      prompt: 'def main():\n    print("hi")',
      temperature: 2,
      top_p: 0.95,
      stop: ['###', "it's", '"""', '\n\n'],
      seed: 5,
      model: 'code-model',
    },
  },
  {
    label: 'Capacity answered',
    synapse: 'Capacity',
    fields: {
      capacities: {
        TextToImage: {
          volume: 1200.5,
          models: ['sdxl-base'],
          loras: ['watercolor-v2', 'pixel_art.v3'],
        },
        Chat: { volume: 50_000, models: ['llama-3.2-3b-instruct', 'org/llama-8b'], loras: [] },
      },
    },
  },
];

let python: PythonView[];

beforeAll(async () => {
  const input = JSON.stringify(CASES.map(({ synapse, fields }) => ({ synapse, fields })));
  python = JSON.parse(await runPython('task_synapses.py', input)) as PythonView[];
});

function placeholders(def: SynapseDef, fields: Record<string, unknown>): Record<string, string> {
  const headers = toHeaders(def, createSynapse(def, fields as never));
  return Object.fromEntries(
    Object.entries(headers).filter(([k]) => k.startsWith(INPUT_OBJ_PREFIX)),
  );
}

describe('task synapse hashes equal the Python SDK', () => {
  it('answers every case', () => {
    expect(python).toHaveLength(CASES.length);
  });

  it.each(CASES.map((c, i) => [c.label, i] as const))('%s', (_, i) => {
    const c = CASES[i] as Case;
    const py = python[i] as PythonView;
    const def = TASK_DEFS[c.synapse];
    const synapse = createSynapse(def, c.fields as never);
    const fields = synapse as unknown as Record<string, unknown>;

    expect(Object.keys(def.schema.shape)).toEqual(py.field_order);
    expect(def.requiredFields).toEqual(py.required_fields);
    expect(def.requiredHashFields).toEqual(py.required_hash_fields);
    const strs = Object.fromEntries(
      def.requiredHashFields.map((f) => [f, pyStr(fields[f] ?? null, def.schema.shape[f])]),
    );
    expect(strs).toEqual(py.hash_strs);
    expect(bodyHash(def, fields)).toBe(py.body_hash);
    expect(placeholders(def, c.fields)).toEqual(py.placeholders);
    expect(Object.keys(py.placeholders).length).toBe(def.requiredFields.length);
  });

  it('a changed input changes the hash on both sides', () => {
    const [a, b] = [python[0], python.find((_, i) => CASES[i]?.synapse === 'TextToImage' && i > 0)];
    expect(a?.body_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a?.body_hash).not.toBe(b?.body_hash);
  });
});
