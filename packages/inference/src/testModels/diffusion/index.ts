// @subnet/inference/testing/diffusion: small SD-shaped ONNX models from fixed seeds, for tests.
export { buildTinyControlNet } from './tinyControlNet';
export { openTinyDiffusion, tinyDiffusionModelBytes } from './tinyDiffusion';
export {
  buildTinyClipText,
  buildTinyClipVision,
  buildTinyNsfwClassifier,
  buildTinyUpscaler,
  TINY_CLIP_IMAGE_SIZE,
} from './tinyImageModels';
export {
  buildTinyTextEncoder,
  defaultTinyTextEncoderConfig,
  type TinyTextEncoderConfig,
} from './tinyTextEncoder';
export {
  buildTinyUnet,
  defaultTinyUnetConfig,
  type TinyUnetConfig,
  tinyUnetLoraTargets,
} from './tinyUnet';
export { buildTinyVaeDecoder, buildTinyVaeEncoder } from './tinyVae';
