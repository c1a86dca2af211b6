/**
 * The organic API's request bodies, validated with zod against the protocol's task bounds: the
 * OpenAI chat and completion shapes (fields OpenAI clients send and the subnet does not use are
 * ignored), and the image endpoints, whose fields are the task synapses' own. A missing seed is
 * chosen by the validator.
 */

import { checkUncrop } from '@subnet/inference/diffusion';
import { type ImageHeader, imageBytesFromBase64, readImageHeader } from '@subnet/inference/image';
import {
  Chat,
  Completion,
  chatMessageSchema,
  ImageToImage,
  Inpaint,
  STOP_SEQUENCE_MAX_CHARS,
  STOP_SEQUENCES_MAX,
  TextToImage,
  Uncrop,
  Upscale,
} from '@subnet/protocol/tasks';
import { z } from 'zod';

const chat = Chat.schema.shape;
const sampling = {
  model: chat.model,
  max_tokens: chat.max_tokens.optional(),
  temperature: chat.temperature.optional(),
  top_p: chat.top_p.optional(),
  top_k: chat.top_k.optional(),
  seed: chat.seed.optional(),
  stop: z
    .union([
      z.string().min(1).max(STOP_SEQUENCE_MAX_CHARS),
      z.array(z.string().min(1).max(STOP_SEQUENCE_MAX_CHARS)).max(STOP_SEQUENCES_MAX),
    ])
    .optional(),
  stream: z.boolean().default(false),
};

export const chatCompletionRequestSchema = z.object({
  messages: Chat.schema.shape.messages.meta({ description: 'the conversation so far' }),
  ...sampling,
});
export type ChatCompletionRequest = z.output<typeof chatCompletionRequestSchema>;

export const completionRequestSchema = z.object({
  prompt: Completion.schema.shape.prompt,
  ...sampling,
});
export type CompletionRequest = z.output<typeof completionRequestSchema>;

function imageRequest<S extends z.ZodRawShape>(shape: S, keys: readonly (keyof S & string)[]) {
  const picked: Record<string, z.ZodType> = {};
  for (const k of keys) picked[k] = shape[k] as z.ZodType;
  if ('seed' in picked) picked.seed = (picked.seed as z.ZodType).optional();
  return z.strictObject(picked);
}

const DIFFUSION = ['steps', 'cfg_scale', 'width', 'height', 'seed', 'model', 'lora'] as const;

export const IMAGE_ENDPOINTS = {
  'text-to-image': {
    def: TextToImage,
    schema: imageRequest(TextToImage.schema.shape, ['prompt', 'negative_prompt', ...DIFFUSION]),
  },
  'image-to-image': {
    def: ImageToImage,
    schema: imageRequest(ImageToImage.schema.shape, [
      'prompt',
      'negative_prompt',
      'init_image',
      'image_strength',
      ...DIFFUSION,
    ]),
  },
  inpaint: {
    def: Inpaint,
    schema: imageRequest(Inpaint.schema.shape, [
      'prompt',
      'negative_prompt',
      'init_image',
      'mask_image',
      ...DIFFUSION,
    ]),
  },
  uncrop: {
    def: Uncrop,
    // Every input of the synapse (the fields its hash covers), as for the other endpoints.
    schema: imageRequest(Uncrop.schema.shape, Uncrop.requiredHashFields),
  },
  upscale: {
    def: Upscale,
    schema: imageRequest(Upscale.schema.shape, ['image', 'model']),
  },
} as const;
export type ImageEndpoint = keyof typeof IMAGE_ENDPOINTS;

/**
 * What the schema cannot see: an uncrop's image header against its extensions (alpha, sides off
 * the latent grid, nothing to extend, a canvas over the limits), checked with the inference
 * package's own `checkUncrop` before any miner is asked. `{ field, message }` of the problem.
 */
export async function imageRequestProblem(
  endpoint: ImageEndpoint,
  body: Record<string, unknown>,
): Promise<{ field: string; message: string } | undefined> {
  if (endpoint !== 'uncrop') return undefined;
  // Already valid against the endpoint's schema: this only types what the check reads.
  const fields = UNCROP_GEOMETRY.parse(body);
  let header: ImageHeader;
  try {
    header = await readImageHeader(imageBytesFromBase64(fields.image));
  } catch (err) {
    return { field: 'image', message: `image: ${(err as Error).message}` };
  }
  const checked = checkUncrop(header, fields);
  return 'problem' in checked ? checked.problem : undefined;
}

const UNCROP_GEOMETRY = Uncrop.schema.pick({
  image: true,
  extend_left: true,
  extend_right: true,
  extend_top: true,
  extend_bottom: true,
});

/** `{ message, field }` of the first problem, for a 400 that names the field. */
export function firstIssue(error: z.ZodError): { message: string; field: string } {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') || '(body)';
  return { field, message: `${field}: ${issue?.message ?? 'invalid request'}` };
}

export { chatMessageSchema };
