// @subnet/inference/image: image I/O through sharp, the perceptual hashes validators
// compare, full-resolution detail features (luma PSNR, detail ratio, color shift), CLIP embeddings and the
// NSFW flag.
export { ClipEmbedder, cosineSimilarity, normalize, type TextIds } from './clipEmbedder';
export { type HsvPlanes, toHsv, toLuma } from './colorConversion';
export {
  type DecodeOptions,
  decodeImage,
  type ImageHeader,
  ImageInputError,
  type ImageInputProblem,
  imageBytesFromBase64,
  imageBytesToBase64,
  readImageHeader,
} from './decodeImage';
export {
  COLOR_GRID,
  DETAIL_ENERGY_FLOOR,
  DETAIL_RATIO_CAP,
  type DetailFeatures,
  detailFeatures,
  PSNR_CAP_DB,
} from './detailFeatures';
export {
  type EncodeOptions,
  encodeImage,
  type FitMode,
  type ImageFormat,
  resizeImage,
} from './encodeImage';
export { type ImageFeatures, imageFeatures } from './imageFeatures';
export {
  averageHash,
  bitsToHex,
  colorHash,
  differenceHash,
  hammingDistance,
  type ImageHashes,
  imageHashes,
  perceptualHash,
} from './imageHashes';
export { resizeLanczos } from './lanczosResize';
export { NsfwClassifier, type NsfwVerdict } from './nsfwClassifier';
export { CLIP_MEAN, CLIP_STD, pixelTensor } from './pixelTensor';
export type { GrayImage, RgbImage } from './rgbImage';
export { tokenIdsTensor } from './tokenIds';
