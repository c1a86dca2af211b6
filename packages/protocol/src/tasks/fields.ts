/**
 * Field schemas shared by the task synapses: seeds, model and adapter ids, base64 images, prompts.
 * Messages are written to read well after the field name that `parseSynapseFields` puts first
 * (`width: must be a multiple of 64`).
 */
import { z } from 'zod';
import {
  base64Length,
  IMAGE_PROMPT_MAX_CHARS,
  LORA_ID_MAX_CHARS,
  MODEL_ID_MAX_CHARS,
  SEED_MAX,
} from './limits';

export function seedField() {
  return z.int().min(0).max(SEED_MAX);
}

// One or two segments (`name` or `org/name`), each starting with a letter or digit: no `..`
// segment, no leading slash, nothing a file path could escape with.
const MODEL_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;
const LORA_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function modelIdField() {
  return z.string().min(1).max(MODEL_ID_MAX_CHARS).regex(MODEL_ID_RE, {
    error: 'must be a model id: letters, digits, . _ - and at most one / between two names',
  });
}

/** A LoRA adapter id, as the miner lists it in its capacity. */
export function loraIdField() {
  return z.string().min(1).max(LORA_ID_MAX_CHARS).regex(LORA_ID_RE, {
    error: 'must be an adapter id: letters, digits, . _ - starting with a letter or digit',
  });
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Standard base64 (with padding, no whitespace, no `data:` prefix) of at most `maxBytes` bytes.
 * Whether it decodes to an image, and its pixel count (INPUT_IMAGE_MAX_PIXELS and the like in
 * `limits.ts`), are checked where it is decoded.
 */
export function base64ImageField(maxBytes: number) {
  const maxChars = base64Length(maxBytes);
  return z
    .string()
    .min(4, { error: 'must be a base64-encoded image, got an empty or truncated value' })
    .max(maxChars, {
      error: `must be at most ${maxChars} base64 characters (an image of at most ${maxBytes} bytes)`,
      abort: true,
    })
    .regex(BASE64_RE, {
      error:
        'must be plain base64 (A-Z a-z 0-9 + / and = padding), without a data: prefix or whitespace',
    })
    .refine((s) => s.length % 4 === 0, { error: 'base64 length must be a multiple of 4' });
}

/** A diffusion prompt: not blank, bounded. */
export function imagePromptField() {
  return z
    .string()
    .max(IMAGE_PROMPT_MAX_CHARS)
    .refine((s) => s.trim().length > 0, { error: 'must not be empty' });
}

export function negativePromptField() {
  return z.string().max(IMAGE_PROMPT_MAX_CHARS).optional();
}
