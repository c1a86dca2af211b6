/**
 * The diffusion tasks (TextToImage, ImageToImage, Inpaint, Uncrop, ControlNet) as pipeline calls: which
 * synapse field becomes which pipeline parameter, base64 images decoded to bytes. The miner runs a
 * task with it and the validator reproduces the task with it, so both make the same call with the
 * same seed. `control_type` is not mapped: scribble is the only control type served.
 */
import type { RunControl } from '../diffusion/denoiseLoop';
import type {
  ControlNetParamsInput,
  ImageToImageParamsInput,
  InpaintParamsInput,
  TextToImageParamsInput,
  UncropParamsInput,
} from '../diffusion/diffusionParams';
import type { DiffusionPipeline } from '../diffusion/diffusionPipeline';
import type { DiffusionResult } from '../diffusion/diffusionTypes';
import { imageBytesFromBase64 } from '../image/decodeImage';
import type { TaskFields } from './taskFields';

export const DIFFUSION_KINDS = [
  'TextToImage',
  'ImageToImage',
  'Inpaint',
  'Uncrop',
  'ControlNet',
] as const;
export type DiffusionKind = (typeof DIFFUSION_KINDS)[number];

export function isDiffusionKind(kind: string): kind is DiffusionKind {
  return (DIFFUSION_KINDS as readonly string[]).includes(kind);
}

type BaseFields = Pick<
  TaskFields<'TextToImage'>,
  'prompt' | 'negative_prompt' | 'steps' | 'cfg_scale' | 'width' | 'height' | 'seed' | 'lora'
>;

/** The fields each diffusion kind reads. */
export interface DiffusionFieldsByKind {
  TextToImage: BaseFields;
  ImageToImage: BaseFields & Pick<TaskFields<'ImageToImage'>, 'init_image' | 'image_strength'>;
  Inpaint: BaseFields & Pick<TaskFields<'Inpaint'>, 'init_image' | 'mask_image'>;
  Uncrop: Omit<BaseFields, 'width' | 'height'> &
    Pick<
      TaskFields<'Uncrop'>,
      'image' | 'extend_left' | 'extend_right' | 'extend_top' | 'extend_bottom'
    >;
  ControlNet: BaseFields & Pick<TaskFields<'ControlNet'>, 'control_image' | 'conditioning_scale'>;
}

/** The parameters of the pipeline method each diffusion kind calls. */
export interface DiffusionRequestByKind {
  TextToImage: TextToImageParamsInput;
  ImageToImage: ImageToImageParamsInput;
  Inpaint: InpaintParamsInput;
  Uncrop: UncropParamsInput;
  ControlNet: ControlNetParamsInput;
}

/** A kind with its fields, the one correlated: what `switch` narrows on. */
type DiffusionTask = {
  [K in DiffusionKind]: { kind: K; fields: DiffusionFieldsByKind[K] };
}[DiffusionKind];

/**
 * The pipeline methods a diffusion task calls, and whether the model takes no guidance
 * (`unguided`: a Flux-class model without a guidance embedding runs `cfg_scale` 1 only, and refuses
 * more with a 400 naming the field, so validators draw its tasks at 1).
 */
export type DiffusionRunner = Pick<
  DiffusionPipeline,
  'textToImage' | 'imageToImage' | 'inpaint' | 'uncrop' | 'controlNet'
> & { readonly unguided?: boolean };

function promptRequest(f: Omit<BaseFields, 'width' | 'height'>) {
  return {
    prompt: f.prompt,
    negative_prompt: f.negative_prompt ?? '',
    steps: f.steps,
    cfg_scale: f.cfg_scale,
    seed: f.seed,
    ...(f.lora !== undefined ? { lora: f.lora } : {}),
  };
}

function requestOf(task: DiffusionTask): DiffusionRequestByKind[DiffusionKind] {
  if (task.kind === 'Uncrop') {
    const f = task.fields;
    return {
      ...promptRequest(f),
      image: imageBytesFromBase64(f.image),
      extend_left: f.extend_left,
      extend_right: f.extend_right,
      extend_top: f.extend_top,
      extend_bottom: f.extend_bottom,
    };
  }
  const base: TextToImageParamsInput = {
    ...promptRequest(task.fields),
    width: task.fields.width,
    height: task.fields.height,
  };
  switch (task.kind) {
    case 'TextToImage':
      return base;
    case 'ImageToImage':
      return {
        ...base,
        init_image: imageBytesFromBase64(task.fields.init_image),
        image_strength: task.fields.image_strength,
      };
    case 'Inpaint':
      return {
        ...base,
        init_image: imageBytesFromBase64(task.fields.init_image),
        mask_image: imageBytesFromBase64(task.fields.mask_image),
      };
    case 'ControlNet':
      return {
        ...base,
        control_image: imageBytesFromBase64(task.fields.control_image),
        conditioning_scale: task.fields.conditioning_scale,
      };
  }
}

/**
 * The pipeline parameters of a diffusion task: its settings, `negative_prompt` '' when absent,
 * `lora` only when given, and its base64 images as bytes (a bad base64 throws `ImageInputError`).
 */
export function diffusionRequestOf<K extends DiffusionKind>(
  kind: K,
  fields: DiffusionFieldsByKind[K],
): DiffusionRequestByKind[K] {
  // `kind` and `fields` are correlated by the signature; TypeScript cannot see it through K.
  return requestOf({ kind, fields } as DiffusionTask) as DiffusionRequestByKind[K];
}

/** Runs a diffusion task on the pipeline method of its kind, with the caller's run control. */
export async function runDiffusionTask<K extends DiffusionKind>(
  pipeline: DiffusionRunner,
  kind: K,
  fields: DiffusionFieldsByKind[K],
  control?: RunControl,
): Promise<DiffusionResult> {
  const task = { kind, fields } as DiffusionTask;
  switch (task.kind) {
    case 'TextToImage':
      return pipeline.textToImage(diffusionRequestOf(task.kind, task.fields), control);
    case 'ImageToImage':
      return pipeline.imageToImage(diffusionRequestOf(task.kind, task.fields), control);
    case 'Inpaint':
      return pipeline.inpaint(diffusionRequestOf(task.kind, task.fields), control);
    case 'Uncrop':
      return pipeline.uncrop(diffusionRequestOf(task.kind, task.fields), control);
    case 'ControlNet':
      return pipeline.controlNet(diffusionRequestOf(task.kind, task.fields), control);
  }
}
