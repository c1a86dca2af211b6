/**
 * Test doubles for the task synapses: a valid input for each, small real images to put in them, and
 * invalid inputs, each breaking one field, with the field's name and a pattern the error message
 * must match. Everything here is frozen; spread a value to change it.
 */
import type { SynapseDef } from '../synapse';
import type { CapacityInput } from '../tasks/capacity';
import { Capacity } from '../tasks/capacity';
import { Chat, type ChatInput } from '../tasks/chat';
import { ClipEmbeddings, type ClipEmbeddingsInput } from '../tasks/clipEmbeddings';
import { Completion, type CompletionInput } from '../tasks/completion';
import { ControlNet, type ControlNetInput } from '../tasks/controlNet';
import { ImageToImage, type ImageToImageInput } from '../tasks/imageToImage';
import { Inpaint, type InpaintInput } from '../tasks/inpaint';
import { base64Length, INPUT_IMAGE_MAX_BYTES } from '../tasks/limits';
import { TextToImage, type TextToImageInput } from '../tasks/textToImage';
import { Uncrop, type UncropInput } from '../tasks/uncrop';
import { Upscale, type UpscaleInput } from '../tasks/upscale';

/** An 8x8 RGB PNG (a red/green gradient). */
export const EXAMPLE_IMAGE_B64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAGUlEQVR42mNkYGhQYGDARCwMCgxYweCUAABobwJednxjlwAAAABJRU5ErkJggg==';
/** An 8x8 grayscale PNG mask: a white 4x4 square (the part to repaint) on black. */
export const EXAMPLE_MASK_B64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAAAAADhZOFXAAAAG0lEQVR42mNgQAeMDAz/GRgYGBmYYCKYDEwAADRSAQiRgurpAAAAAElFTkSuQmCC';
/** An 8x8 grayscale PNG scribble: one white diagonal stroke on black. */
export const EXAMPLE_SCRIBBLE_B64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAAAAADhZOFXAAAADklEQVR42mNggID/FNIAHzcH+QK7kMAAAAAASUVORK5CYII=';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export interface ValidTaskInputs {
  TextToImage: TextToImageInput;
  ImageToImage: ImageToImageInput;
  Inpaint: InpaintInput;
  Uncrop: UncropInput;
  ControlNet: ControlNetInput;
  Upscale: UpscaleInput;
  ClipEmbeddings: ClipEmbeddingsInput;
  Chat: ChatInput;
  Completion: CompletionInput;
  Capacity: CapacityInput;
}
export type TaskSynapseName = keyof ValidTaskInputs;

/** One valid input per task synapse. TextToImage gives only what has no default. */
export const VALID_TASK_INPUTS: Readonly<ValidTaskInputs> = deepFreeze({
  TextToImage: { prompt: 'a lighthouse on a cliff at dusk', seed: 42, model: 'sdxl-base' },
  ImageToImage: {
    prompt: 'the same scene in watercolor',
    negative_prompt: 'blurry',
    init_image: EXAMPLE_IMAGE_B64,
    image_strength: 0.75,
    steps: 20,
    cfg_scale: 7.5,
    width: 768,
    height: 1344,
    seed: 4_294_967_295,
    model: 'sdxl-base',
    lora: 'watercolor-v2',
  },
  Inpaint: {
    prompt: 'a red door',
    init_image: EXAMPLE_IMAGE_B64,
    mask_image: EXAMPLE_MASK_B64,
    steps: 8,
    width: 512,
    height: 512,
    seed: 0,
    model: 'sdxl-inpaint',
  },
  Uncrop: {
    prompt: 'the rest of the harbour',
    negative_prompt: 'text, frame',
    image: EXAMPLE_IMAGE_B64,
    extend_left: 64,
    extend_right: 8,
    extend_bottom: 512,
    steps: 12,
    cfg_scale: 5,
    seed: 31,
    model: 'sdxl-inpaint',
  },
  ControlNet: {
    prompt: 'a mountain range',
    control_image: EXAMPLE_SCRIBBLE_B64,
    conditioning_scale: 0.8,
    seed: 7,
    model: 'sd15-scribble',
  },
  Upscale: { image: EXAMPLE_IMAGE_B64, model: 'esrgan-x2' },
  ClipEmbeddings: {
    image_b64s: [EXAMPLE_IMAGE_B64, EXAMPLE_MASK_B64],
    model: 'openai/clip-vit-large-patch14',
  },
  Chat: {
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Name a prime number.' },
    ],
    temperature: 0.7,
    max_tokens: 64,
    seed: 1234,
    model: 'llama-3.2-3b-instruct',
  },
  Completion: {
    prompt: 'The capital of France is',
    max_tokens: 8,
    temperature: 0,
    top_k: 40,
    top_logprobs: 20,
    stop: ['\n'],
    seed: 99,
    model: 'llama-3.2-3b',
  },
  Capacity: {},
});

/** The definition of each task synapse, by name. */
export const TASK_DEFS: Readonly<Record<TaskSynapseName, SynapseDef>> = Object.freeze({
  TextToImage,
  ImageToImage,
  Inpaint,
  Uncrop,
  ControlNet,
  Upscale,
  ClipEmbeddings,
  Chat,
  Completion,
  Capacity,
});

export interface InvalidTaskExample {
  readonly synapse: TaskSynapseName;
  /** The field the input breaks, as the error path names it (`messages.0.role`). */
  readonly field: string;
  readonly why: string;
  /** A full input, valid except for `field`. */
  readonly input: Readonly<Record<string, unknown>>;
  /** What the error message must match (after `invalid {synapse}: `). */
  readonly error: RegExp;
}

const REMOVE = Symbol('remove');

function breaking(
  synapse: TaskSynapseName,
  field: string,
  value: unknown,
  why: string,
  error: RegExp,
): InvalidTaskExample {
  const input: Record<string, unknown> = { ...VALID_TASK_INPUTS[synapse] };
  const top = field.split('.')[0] as string;
  if (value === REMOVE) delete input[top];
  else input[top] = value;
  return { synapse, field, why, input, error };
}

const userMessage = { role: 'user', content: 'hi' };
const capacity = { volume: 100, models: ['sdxl-base'], loras: [] };

/** One entry per way a field can be out of bounds; each names its field first in the message. */
export const INVALID_TASK_EXAMPLES: readonly InvalidTaskExample[] = deepFreeze([
  breaking(
    'TextToImage',
    'prompt',
    REMOVE,
    'prompt missing',
    /^prompt: Invalid input: expected string/,
  ),
  breaking('TextToImage', 'prompt', '   ', 'blank prompt', /^prompt: must not be empty$/),
  breaking(
    'TextToImage',
    'prompt',
    'x'.repeat(1_001),
    'prompt too long',
    /^prompt: Too big: expected string to have <=1000 characters$/,
  ),
  breaking(
    'TextToImage',
    'negative_prompt',
    'x'.repeat(1_001),
    'negative prompt too long',
    /^negative_prompt: Too big: expected string to have <=1000 characters$/,
  ),
  breaking('TextToImage', 'steps', 0, 'no steps', /^steps: Too small: expected number to be >=1$/),
  breaking(
    'TextToImage',
    'steps',
    51,
    'too many steps',
    /^steps: Too big: expected number to be <=50$/,
  ),
  breaking(
    'TextToImage',
    'steps',
    8.5,
    'fractional steps',
    /^steps: Invalid input: expected int, received number$/,
  ),
  breaking(
    'TextToImage',
    'cfg_scale',
    0.5,
    'guidance below 1',
    /^cfg_scale: Too small: expected number to be >=1$/,
  ),
  breaking(
    'TextToImage',
    'cfg_scale',
    10.5,
    'guidance above 10',
    /^cfg_scale: Too big: expected number to be <=10$/,
  ),
  breaking(
    'TextToImage',
    'cfg_scale',
    '7',
    'guidance as a string',
    /^cfg_scale: Invalid input: expected number, received string$/,
  ),
  breaking(
    'TextToImage',
    'width',
    1_000,
    'width not a multiple of 64',
    /^width: must be a multiple of 64$/,
  ),
  breaking(
    'TextToImage',
    'width',
    448,
    'width below the smallest bucket',
    /^width: Too small: expected number to be >=512$/,
  ),
  breaking(
    'TextToImage',
    'height',
    1_408,
    'height above the largest bucket',
    /^height: Too big: expected number to be <=1344$/,
  ),
  breaking(
    'TextToImage',
    'seed',
    -1,
    'negative seed',
    /^seed: Too small: expected number to be >=0$/,
  ),
  breaking(
    'TextToImage',
    'seed',
    4_294_967_296,
    'seed past 2^32-1',
    /^seed: Too big: expected number to be <=4294967295$/,
  ),
  breaking(
    'TextToImage',
    'seed',
    REMOVE,
    'seed missing (the validator always chooses one)',
    /^seed: Invalid input: expected number, received undefined$/,
  ),
  breaking(
    'TextToImage',
    'model',
    '../weights',
    'model id with a path',
    /^model: must be a model id/,
  ),
  breaking(
    'TextToImage',
    'model',
    '',
    'empty model id',
    /^model: Too small: expected string to have >=1 characters/,
  ),
  breaking(
    'TextToImage',
    'lora',
    'styles/anime',
    'adapter id with a slash',
    /^lora: must be an adapter id/,
  ),
  breaking(
    'TextToImage',
    'lora',
    'a'.repeat(65),
    'adapter id too long',
    /^lora: Too big: expected string to have <=64 characters$/,
  ),
  breaking(
    'ImageToImage',
    'init_image',
    REMOVE,
    'no init image',
    /^init_image: Invalid input: expected string/,
  ),
  breaking(
    'ImageToImage',
    'init_image',
    `data:image/png;base64,${EXAMPLE_IMAGE_B64}`,
    'a data URL',
    /^init_image: must be plain base64/,
  ),
  breaking(
    'ImageToImage',
    'init_image',
    `${EXAMPLE_IMAGE_B64.slice(0, 40)}\n${EXAMPLE_IMAGE_B64.slice(40)}`,
    'base64 with a line break',
    /^init_image: must be plain base64/,
  ),
  breaking(
    'ImageToImage',
    'init_image',
    EXAMPLE_IMAGE_B64.slice(0, -1),
    'truncated base64',
    /^init_image: base64 length must be a multiple of 4$/,
  ),
  breaking(
    'ImageToImage',
    'init_image',
    '',
    'empty image',
    /^init_image: must be a base64-encoded image/,
  ),
  breaking(
    'ImageToImage',
    'image_strength',
    0,
    'strength 0 leaves nothing to denoise',
    /^image_strength: Too small: expected number to be >0$/,
  ),
  breaking(
    'ImageToImage',
    'image_strength',
    1.5,
    'strength above 1',
    /^image_strength: Too big: expected number to be <=1$/,
  ),
  breaking(
    'Inpaint',
    'mask_image',
    REMOVE,
    'no mask',
    /^mask_image: Invalid input: expected string/,
  ),
  breaking(
    'Inpaint',
    'mask_image',
    'not an image!',
    'mask not base64',
    /^mask_image: must be plain base64/,
  ),
  breaking('Uncrop', 'image', REMOVE, 'no image', /^image: Invalid input: expected string/),
  breaking(
    'Uncrop',
    'extend_left',
    520,
    'a side extended past the limit',
    /^extend_left: Too big: expected number to be <=512$/,
  ),
  breaking(
    'Uncrop',
    'extend_top',
    12,
    'an extension off the latent grid',
    /^extend_top: must be a multiple of 8$/,
  ),
  breaking(
    'Uncrop',
    'extend_bottom',
    -8,
    'a negative extension (cropping)',
    /^extend_bottom: Too small: expected number to be >=0$/,
  ),
  breaking('Uncrop', 'extend_right', 8.5, 'a fractional extension', /^extend_right: /),
  breaking(
    'ControlNet',
    'control_image',
    REMOVE,
    'no control image',
    /^control_image: Invalid input: expected string/,
  ),
  breaking(
    'ControlNet',
    'control_type',
    'canny',
    'a control type not served',
    /^control_type: Invalid (input|option): expected (one of )?"scribble"/,
  ),
  breaking(
    'ControlNet',
    'conditioning_scale',
    2.5,
    'conditioning above 2',
    /^conditioning_scale: Too big: expected number to be <=2$/,
  ),
  breaking(
    'ControlNet',
    'conditioning_scale',
    -0.1,
    'negative conditioning',
    /^conditioning_scale: Too small: expected number to be >=0$/,
  ),
  breaking('Upscale', 'image', REMOVE, 'no image', /^image: Invalid input: expected string/),
  breaking('Upscale', 'model', 'esrgan x2', 'model id with a space', /^model: must be a model id/),
  breaking(
    'ClipEmbeddings',
    'image_b64s',
    [],
    'no images',
    /^image_b64s: Too small: expected array to have >=1 items$/,
  ),
  breaking(
    'ClipEmbeddings',
    'image_b64s',
    Array(11).fill(EXAMPLE_IMAGE_B64),
    'eleven images',
    /^image_b64s: Too big: expected array to have <=10 items$/,
  ),
  breaking(
    'ClipEmbeddings',
    'image_b64s.1',
    [EXAMPLE_IMAGE_B64, 'abc$'],
    'second image not base64',
    /^image_b64s\.1: must be plain base64/,
  ),
  breaking(
    'Chat',
    'messages',
    [],
    'no messages',
    /^messages: Too small: expected array to have >=1 items$/,
  ),
  breaking(
    'Chat',
    'messages',
    Array(65).fill(userMessage),
    '65 messages',
    /^messages: Too big: expected array to have <=64 items$/,
  ),
  breaking(
    'Chat',
    'messages.0.role',
    [{ role: 'tool', content: 'x' }],
    'unknown role',
    /^messages\.0\.role: Invalid option: expected one of "system"\|"user"\|"assistant"$/,
  ),
  breaking(
    'Chat',
    'messages.0.content',
    [{ role: 'user', content: 'x'.repeat(32_769) }],
    'message too long',
    /^messages\.0\.content: Too big: expected string to have <=32768 characters$/,
  ),
  breaking(
    'Chat',
    'max_tokens',
    0,
    'no tokens',
    /^max_tokens: Too small: expected number to be >=1$/,
  ),
  breaking(
    'Chat',
    'max_tokens',
    4_097,
    'too many tokens',
    /^max_tokens: Too big: expected number to be <=4096$/,
  ),
  breaking(
    'Chat',
    'temperature',
    -0.1,
    'negative temperature',
    /^temperature: Too small: expected number to be >=0$/,
  ),
  breaking(
    'Chat',
    'temperature',
    2.01,
    'temperature above 2',
    /^temperature: Too big: expected number to be <=2$/,
  ),
  breaking(
    'Chat',
    'top_p',
    0,
    'top_p 0 keeps no token',
    /^top_p: Too small: expected number to be >0$/,
  ),
  breaking('Chat', 'top_p', 1.01, 'top_p above 1', /^top_p: Too big: expected number to be <=1$/),
  breaking('Chat', 'top_k', -1, 'negative top_k', /^top_k: Too small: expected number to be >=0$/),
  breaking(
    'Chat',
    'top_k',
    2.5,
    'fractional top_k',
    /^top_k: Invalid input: expected int, received number$/,
  ),
  breaking(
    'Chat',
    'top_logprobs',
    21,
    'more than 20 alternatives',
    /^top_logprobs: Too big: expected number to be <=20$/,
  ),
  breaking(
    'Chat',
    'stop',
    ['a', 'b', 'c', 'd', 'e'],
    'five stop sequences',
    /^stop: Too big: expected array to have <=4 items$/,
  ),
  breaking(
    'Chat',
    'stop.0',
    [''],
    'empty stop sequence',
    /^stop\.0: Too small: expected string to have >=1 characters$/,
  ),
  breaking(
    'Chat',
    'seed',
    1.5,
    'fractional seed',
    /^seed: Invalid input: expected int, received number$/,
  ),
  breaking('Completion', 'prompt', '', 'empty prompt', /^prompt: must not be empty$/),
  breaking(
    'Completion',
    'prompt',
    'x'.repeat(32_769),
    'prompt too long',
    /^prompt: Too big: expected string to have <=32768 characters$/,
  ),
  breaking('Completion', 'model', REMOVE, 'no model', /^model: Invalid input: expected string/),
  breaking(
    'Capacity',
    'capacities.Chat.volume',
    { Chat: { ...capacity, volume: -1 } },
    'negative volume',
    /^capacities\.Chat\.volume: Too small: expected number to be >=0$/,
  ),
  breaking(
    'Capacity',
    'capacities.Chat.models',
    { Chat: { ...capacity, models: [] } },
    'a task kind with no model',
    /^capacities\.Chat\.models: Too small: expected array to have >=1 items$/,
  ),
  breaking(
    'Capacity',
    'capacities.Chat.loras.0',
    { Chat: { ...capacity, loras: ['../x'] } },
    'a bad adapter id',
    /^capacities\.Chat\.loras\.0: must be an adapter id/,
  ),
  breaking(
    'Capacity',
    'capacities',
    { Dance: capacity },
    'an unknown task kind',
    /^capacities: Unrecognized key: "Dance"$/,
  ),
]);

/** An init image one base64 quad past the byte limit (built on demand: it is 11 MB). */
export function oversizedImageExample(): InvalidTaskExample {
  const tooLong = 'A'.repeat(base64Length(INPUT_IMAGE_MAX_BYTES) + 4);
  return breaking(
    'ImageToImage',
    'init_image',
    tooLong,
    'image past the byte limit',
    /^init_image: must be at most 11184812 base64 characters \(an image of at most 8388608 bytes\)$/,
  );
}
