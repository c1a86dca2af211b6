/** The kinds of work a miner serves, by the name of the synapse that carries each. */
export const TASK_KINDS = [
  'TextToImage',
  'ImageToImage',
  'Inpaint',
  'Uncrop',
  'ControlNet',
  'Upscale',
  'ClipEmbeddings',
  'Chat',
  'Completion',
] as const;
export type TaskKind = (typeof TASK_KINDS)[number];
