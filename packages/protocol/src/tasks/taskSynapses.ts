/** The synapses of this subnet: one per task kind, and Capacity. */
import type { SynapseDef } from '../synapse';
import { Capacity } from './capacity';
import { Chat } from './chat';
import { ClipEmbeddings } from './clipEmbeddings';
import { Completion } from './completion';
import { ControlNet } from './controlNet';
import { ImageToImage } from './imageToImage';
import { Inpaint } from './inpaint';
import type { TaskKind } from './taskKinds';
import { TextToImage } from './textToImage';
import { Uncrop } from './uncrop';
import { Upscale } from './upscale';

/** The synapse that carries each task kind. */
export const TASK_SYNAPSE_BY_KIND = Object.freeze({
  TextToImage,
  ImageToImage,
  Inpaint,
  Uncrop,
  ControlNet,
  Upscale,
  ClipEmbeddings,
  Chat,
  Completion,
}) satisfies Readonly<Record<TaskKind, SynapseDef>>;

/** Everything a miner's axon of this subnet answers: the task kinds, then Capacity. */
export const TASK_SYNAPSES: readonly SynapseDef[] = Object.freeze([
  ...Object.values(TASK_SYNAPSE_BY_KIND),
  Capacity,
]);
