import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffusionPipeline } from '../diffusion/diffusionPipeline';
import { InferenceErrorCode } from '../errors';
import { encodeImage } from '../image/encodeImage';
import type { RgbImage } from '../image/rgbImage';
import { openTinyDiffusion } from '../testModels/diffusion/tinyDiffusion';
import {
  type DiffusionFieldsByKind,
  diffusionRequestOf,
  isDiffusionKind,
  runDiffusionTask,
} from './diffusionRequests';

// base64 of the 8-byte PNG signature, of 'GIF89a' and of three bytes 1 2 3: decoded, not read.
const PNG_SIG_B64 = 'iVBORw0KGgo=';
const PNG_SIG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const GIF_B64 = 'R0lGODlh';
const GIF = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]);
const ONE_TWO_THREE_B64 = 'AQID';

const settings = {
  prompt: 'a lighthouse at dusk',
  negative_prompt: 'fog',
  steps: 12,
  cfg_scale: 4.5,
  width: 768,
  height: 512,
  seed: 1_234_567,
};
const expectedBase = {
  prompt: 'a lighthouse at dusk',
  negative_prompt: 'fog',
  steps: 12,
  cfg_scale: 4.5,
  width: 768,
  height: 512,
  seed: 1_234_567,
};

describe('diffusionRequestOf', () => {
  it('TextToImage: the settings, field by field', () => {
    expect(diffusionRequestOf('TextToImage', settings)).toStrictEqual(expectedBase);
  });

  it("negative_prompt defaults to ''; lora is kept when given, absent otherwise", () => {
    const { negative_prompt: _, ...noNegative } = settings;
    const req = diffusionRequestOf('TextToImage', noNegative);
    expect(req).toStrictEqual({ ...expectedBase, negative_prompt: '' });
    expect('lora' in req).toBe(false);
    expect(diffusionRequestOf('TextToImage', { ...settings, lora: 'ink' })).toStrictEqual({
      ...expectedBase,
      lora: 'ink',
    });
    expect('lora' in diffusionRequestOf('TextToImage', { ...settings, lora: undefined })).toBe(
      false,
    );
  });

  it('ImageToImage: init_image decoded from base64, image_strength copied', () => {
    expect(
      diffusionRequestOf('ImageToImage', {
        ...settings,
        init_image: PNG_SIG_B64,
        image_strength: 0.3,
      }),
    ).toStrictEqual({ ...expectedBase, init_image: PNG_SIG, image_strength: 0.3 });
  });

  it('Inpaint: init_image and mask_image decoded, each from its own field', () => {
    expect(
      diffusionRequestOf('Inpaint', {
        ...settings,
        lora: 'ink',
        init_image: PNG_SIG_B64,
        mask_image: GIF_B64,
      }),
    ).toStrictEqual({ ...expectedBase, lora: 'ink', init_image: PNG_SIG, mask_image: GIF });
  });

  it('ControlNet: control_image decoded, conditioning_scale copied (0 included)', () => {
    expect(
      diffusionRequestOf('ControlNet', {
        ...settings,
        control_image: ONE_TWO_THREE_B64,
        conditioning_scale: 0,
      }),
    ).toStrictEqual({
      ...expectedBase,
      control_image: new Uint8Array([1, 2, 3]),
      conditioning_scale: 0,
    });
  });

  it('bad base64 is the caller’s error (400), not a request', () => {
    expect(() =>
      diffusionRequestOf('ImageToImage', { ...settings, init_image: 'a b', image_strength: 1 }),
    ).toThrow(expect.objectContaining({ problem: 'bad_base64', status: 400 }));
  });

  it('Uncrop: no width or height (the canvas comes from the image), image decoded, sides copied', () => {
    const { width: _w, height: _h, ...rest } = settings;
    const req = diffusionRequestOf('Uncrop', {
      ...rest,
      image: PNG_SIG_B64,
      extend_left: 64,
      extend_right: 0,
      extend_top: 8,
      extend_bottom: 512,
    });
    const { width: _ew, height: _eh, ...base } = expectedBase;
    expect(req).toStrictEqual({
      ...base,
      image: PNG_SIG,
      extend_left: 64,
      extend_right: 0,
      extend_top: 8,
      extend_bottom: 512,
    });
  });

  it('isDiffusionKind names the five diffusion kinds only', () => {
    const kinds = [
      'TextToImage',
      'ImageToImage',
      'Inpaint',
      'Uncrop',
      'ControlNet',
      'Upscale',
      'Chat',
    ];
    expect(kinds.filter(isDiffusionKind)).toEqual([
      'TextToImage',
      'ImageToImage',
      'Inpaint',
      'Uncrop',
      'ControlNet',
    ]);
  });
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const SIZE = 64;

function picture(paint: (x: number, y: number) => number[]): RgbImage {
  const data = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) data.set(paint(x, y), (y * SIZE + x) * 3);
  return { width: SIZE, height: SIZE, data };
}

describe('runDiffusionTask on the tiny SD-shaped models', () => {
  let models: Awaited<ReturnType<typeof openTinyDiffusion>>;
  let pipeline: DiffusionPipeline;
  let init: Uint8Array;
  let mask: Uint8Array;
  const small = { ...settings, steps: 3, width: SIZE, height: SIZE, seed: 99 };
  const params = { ...expectedBase, steps: 3, width: SIZE, height: SIZE, seed: 99 };
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  const { width: _w, height: _h, ...uncropSettings } = small;
  const { width: _pw, height: _ph, ...uncropParams } = params;

  beforeAll(async () => {
    models = await openTinyDiffusion();
    pipeline = new DiffusionPipeline(models);
    init = await encodeImage(
      picture((x, y) => [x * 4, y * 4, (x * y) & 255]),
      { format: 'png' },
    );
    mask = await encodeImage(
      picture((x) => (x < SIZE / 2 ? [255, 255, 255] : [0, 0, 0])),
      { format: 'png' },
    );
  });
  afterAll(async () => {
    await models.release();
  });

  it('each kind calls its own pipeline method with the mapped params: the same image', async () => {
    const tasks: { [K in keyof DiffusionFieldsByKind]: DiffusionFieldsByKind[K] } = {
      TextToImage: small,
      ImageToImage: { ...small, init_image: b64(init), image_strength: 0.7 },
      Inpaint: { ...small, init_image: b64(init), mask_image: b64(mask) },
      Uncrop: {
        ...uncropSettings,
        image: b64(init),
        extend_left: 24,
        extend_right: 40,
        extend_top: 0,
        extend_bottom: 0,
      },
      ControlNet: { ...small, control_image: b64(mask), conditioning_scale: 1 },
    };
    const direct = {
      TextToImage: await pipeline.textToImage(params),
      ImageToImage: await pipeline.imageToImage({
        ...params,
        init_image: init,
        image_strength: 0.7,
      }),
      Inpaint: await pipeline.inpaint({ ...params, init_image: init, mask_image: mask }),
      Uncrop: await pipeline.uncrop({
        ...uncropParams,
        image: init,
        extend_left: 24,
        extend_right: 40,
      }),
      ControlNet: await pipeline.controlNet({
        ...params,
        control_image: mask,
        conditioning_scale: 1,
      }),
    };
    // The five direct images differ, so a call of the wrong method would show.
    expect(new Set(Object.values(direct).map((r) => sha(r.png))).size).toBe(5);
    expect([direct.Uncrop.image.width, direct.Uncrop.image.height]).toEqual([SIZE + 64, SIZE]);
    const run = {
      TextToImage: await runDiffusionTask(pipeline, 'TextToImage', tasks.TextToImage),
      ImageToImage: await runDiffusionTask(pipeline, 'ImageToImage', tasks.ImageToImage),
      Inpaint: await runDiffusionTask(pipeline, 'Inpaint', tasks.Inpaint),
      Uncrop: await runDiffusionTask(pipeline, 'Uncrop', tasks.Uncrop),
      ControlNet: await runDiffusionTask(pipeline, 'ControlNet', tasks.ControlNet),
    };
    for (const kind of Object.keys(direct) as (keyof typeof direct)[]) {
      expect({ kind, png: sha(run[kind].png) }).toEqual({ kind, png: sha(direct[kind].png) });
    }
  });

  it("passes the caller's run control: its step callback and its signal", async () => {
    const steps: number[] = [];
    await runDiffusionTask(pipeline, 'TextToImage', small, { onStep: (p) => steps.push(p.step) });
    expect(steps).toEqual([1, 2, 3]);
    const abort = new AbortController();
    abort.abort(new Error('validator disconnected'));
    await expect(
      runDiffusionTask(pipeline, 'TextToImage', small, { signal: abort.signal }),
    ).rejects.toMatchObject({ code: InferenceErrorCode.Cancelled });
  });
});
