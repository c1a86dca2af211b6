/**
 * The diffusion model families a `diffusion` entry may hold, told apart by the export's
 * `model_index.json` (`_class_name`): each family's ONNX parts, its tokenizer folders, the image
 * task kinds it serves with the parts found, and how it is opened as a runner of those tasks.
 * Stable Diffusion (SD 1.x/2.x, SDXL, inpainting, ControlNet) is the default, so an export
 * without model_index.json opens as before.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InferenceError, InferenceErrorCode } from '../errors';
import type { FluxPipeline } from '../flux/fluxPipeline';
import type { KandinskyPipeline } from '../kandinsky/kandinskyPipeline';
import type { DiffusionKind, DiffusionRunner } from '../tasks/diffusionRequests';

export const DIFFUSION_FAMILIES = ['stable-diffusion', 'flux', 'kandinsky'] as const;
export type DiffusionFamily = (typeof DIFFUSION_FAMILIES)[number];

interface FamilyLayout {
  required: readonly string[];
  optional: readonly string[];
  /** Tokenizer folders, given the parts found. */
  tokenizers(found: ReadonlySet<string>): string[];
  /** The diffusion task kinds served with these parts. */
  kinds(found: ReadonlySet<string>): DiffusionKind[];
}

export const FAMILY_LAYOUTS: Readonly<Record<DiffusionFamily, FamilyLayout>> = {
  'stable-diffusion': {
    required: ['text_encoder', 'unet', 'vae_decoder'],
    optional: ['text_encoder_2', 'vae_encoder', 'controlnet'],
    tokenizers: (found) =>
      found.has('text_encoder_2') ? ['tokenizer', 'tokenizer_2'] : ['tokenizer'],
    kinds: (found) => [
      'TextToImage',
      ...(found.has('vae_encoder') ? (['ImageToImage', 'Inpaint', 'Uncrop'] as const) : []),
      ...(found.has('controlnet') ? (['ControlNet'] as const) : []),
    ],
  },
  flux: {
    required: ['text_encoder', 'text_encoder_2', 'transformer', 'vae_decoder'],
    optional: ['vae_encoder'],
    tokenizers: () => ['tokenizer', 'tokenizer_2'],
    kinds: (found) => [
      'TextToImage',
      ...(found.has('vae_encoder') ? (['ImageToImage'] as const) : []),
    ],
  },
  kandinsky: {
    required: ['prior/text_encoder', 'prior/prior', 'unet', 'movq_decoder'],
    optional: ['movq_encoder'],
    tokenizers: () => ['prior/tokenizer'],
    kinds: (found) => [
      'TextToImage',
      ...(found.has('movq_encoder') ? (['ImageToImage'] as const) : []),
    ],
  },
};

/** Which family an export folder holds, from its model_index.json (absent: Stable Diffusion). */
export async function diffusionFamilyOf(dir: string): Promise<DiffusionFamily> {
  let text: string;
  try {
    text = await readFile(join(dir, 'model_index.json'), 'utf8');
  } catch {
    return 'stable-diffusion';
  }
  let name: unknown;
  try {
    name = (JSON.parse(text) as { _class_name?: unknown })._class_name;
  } catch (cause) {
    throw new InferenceError(
      InferenceErrorCode.BadConfig,
      `${join(dir, 'model_index.json')} is not valid JSON`,
      { cause },
    );
  }
  if (typeof name !== 'string') return 'stable-diffusion';
  if (/^Flux(Img2Img)?Pipeline$/.test(name)) return 'flux';
  if (/^KandinskyV22(Img2Img)?Pipeline$/.test(name)) return 'kandinsky';
  return 'stable-diffusion';
}

/** Why a family cannot run a kind (for the runner's methods it lacks). */
function unsupported(family: DiffusionFamily, kind: DiffusionKind): InferenceError {
  return new InferenceError(
    InferenceErrorCode.ModelShapeUnsupported,
    `a ${family} model does not serve ${kind} (it serves ${FAMILY_LAYOUTS[family]
      .kinds(new Set(FAMILY_LAYOUTS[family].optional))
      .join(', ')})`,
  );
}

/**
 * A Flux or Kandinsky pipeline as a runner of the diffusion tasks: text-to-image and
 * image-to-image run on it, the kinds it lacks refuse.
 */
export function transformerRunner(
  family: 'flux' | 'kandinsky',
  pipeline: FluxPipeline | KandinskyPipeline,
): DiffusionRunner {
  return {
    unguided:
      'settings' in pipeline && 'guidanceEmbeds' in pipeline.settings
        ? !pipeline.settings.guidanceEmbeds
        : false,
    textToImage: (input, control) => pipeline.textToImage(input, control),
    imageToImage: (input, control) => pipeline.imageToImage(input, control),
    inpaint: async () => {
      throw unsupported(family, 'Inpaint');
    },
    uncrop: async () => {
      throw unsupported(family, 'Uncrop');
    },
    controlNet: async () => {
      throw unsupported(family, 'ControlNet');
    },
  };
}
