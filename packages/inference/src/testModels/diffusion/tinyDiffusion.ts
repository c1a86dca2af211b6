import type { DiffusionSessions } from '../../diffusion/diffusionTypes';
import { PromptTokenizer } from '../../diffusion/promptTokenizer';
import * as ort from '../../runtime/ort';
import { buildTinyTokenizer } from '../../testing/tinyTokenizer';
import { buildTinyControlNet } from './tinyControlNet';
import { buildTinyTextEncoder, defaultTinyTextEncoderConfig } from './tinyTextEncoder';
import { buildTinyUnet, defaultTinyUnetConfig, type TinyUnetConfig } from './tinyUnet';
import { buildTinyVaeDecoder, buildTinyVaeEncoder } from './tinyVae';

/** The second (SDXL) text encoder: 24 wide, its own seed. */
export const TINY_SECOND_ENCODER = {
  ...defaultTinyTextEncoderConfig,
  hidden: 24,
  seed: 12,
  loraName: 'text_encoder_2',
};

/**
 * Every part of a small SD-shaped model set, as ONNX bytes, from fixed seeds. With `sdxl`, a
 * second text encoder is added and the UNet takes the joined states (32 + 24 wide) and SDXL's
 * text_embeds / time_ids.
 */
export function tinyDiffusionModelBytes(
  options: { unet?: Partial<TinyUnetConfig>; sdxl?: boolean } = {},
) {
  const textHidden = options.sdxl
    ? defaultTinyTextEncoderConfig.hidden + TINY_SECOND_ENCODER.hidden
    : 32;
  return {
    textEncoder: buildTinyTextEncoder(),
    textEncoder2: options.sdxl ? buildTinyTextEncoder(TINY_SECOND_ENCODER) : undefined,
    unet: buildTinyUnet({
      ...defaultTinyUnetConfig,
      textHidden,
      pooledDim: options.sdxl ? TINY_SECOND_ENCODER.hidden : 0,
      ...options.unet,
    }),
    vaeDecoder: buildTinyVaeDecoder(),
    vaeEncoder: buildTinyVaeEncoder(),
    controlNet: buildTinyControlNet(41, 16, textHidden),
  };
}

/**
 * The tiny model set opened as CPU sessions (one intra-op thread: bit-reproducible), with a
 * byte-level BPE tokenizer padded to the text encoder's 16 positions.
 */
export async function openTinyDiffusion(
  options: {
    unet?: Partial<TinyUnetConfig>;
    threads?: number;
    sdxl?: boolean;
    /** Execution providers (benches on a GPU); the tests keep the default, the CPU. */
    providers?: readonly string[];
  } = {},
): Promise<DiffusionSessions & { release(): Promise<void> }> {
  const bytes = tinyDiffusionModelBytes(options);
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [...(options.providers ?? ['cpu'])],
    intraOpNumThreads: options.threads ?? 1,
    interOpNumThreads: 1,
  };
  const open = (b: Uint8Array) => ort.InferenceSession.create(b, sessionOptions);
  const [textEncoder, unet, vaeDecoder, vaeEncoder, controlNet] = await Promise.all([
    open(bytes.textEncoder),
    open(bytes.unet),
    open(bytes.vaeDecoder),
    open(bytes.vaeEncoder),
    open(bytes.controlNet),
  ]);
  const textEncoder2 = bytes.textEncoder2 ? await open(bytes.textEncoder2) : undefined;
  const all = [
    textEncoder,
    unet,
    vaeDecoder,
    vaeEncoder,
    controlNet,
    ...(textEncoder2 ? [textEncoder2] : []),
  ];
  const tokenizer = new PromptTokenizer(
    buildTinyTokenizer(defaultTinyTextEncoderConfig.vocabSize).tokenizerJson,
    {
      maxLength: defaultTinyTextEncoderConfig.seqLength,
      bosToken: '<|im_start|>',
      eosToken: '<|im_end|>',
      padToken: '<|im_end|>',
    },
  );
  return {
    tokenizer,
    textEncoder,
    unet,
    vaeDecoder,
    vaeEncoder,
    controlNet,
    ...(textEncoder2 ? { textEncoder2 } : {}),
    async release() {
      await Promise.all(all.map((s) => s.release()));
    },
  };
}
