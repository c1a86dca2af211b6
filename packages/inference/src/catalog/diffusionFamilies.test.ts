import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { InferenceErrorCode } from '../errors';
import { runDiffusionTask } from '../tasks/diffusionRequests';
import { checkModelEntries } from './checkModelEntries';
import { diffusionFamilyOf } from './diffusionFamilies';
import { ModelCatalog } from './modelCatalog';
import { modelsConfigSchema } from './modelsConfig';

/**
 * One `diffusion` entry type for every family: the committed Flux and Kandinsky exports (and the
 * SD ones) are told apart by their model_index.json, checked for their own parts, loaded through
 * their own pipelines, and run through the same task mapping the miner and validator use.
 */
const hf = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'hf');
const FLUX = join(hf, 'flux', 'dev');
const KANDINSKY = join(hf, 'kandinsky', 'model');
const SD = join(hf, 'sd', 'sd-inpaint');
const log = pino({ level: 'silent' });
const cpu = { providers: ['cpu'], threads: 1 };
const models = (entries: Record<string, unknown>) => modelsConfigSchema.parse({ entries });
const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

describe('diffusion families', () => {
  it('reads the family from model_index.json (none: Stable Diffusion)', async () => {
    expect(await diffusionFamilyOf(FLUX)).toBe('flux');
    expect(await diffusionFamilyOf(KANDINSKY)).toBe('kandinsky');
    expect(await diffusionFamilyOf(SD)).toBe('stable-diffusion');
    expect(await diffusionFamilyOf(join(hf, 'clip'))).toBe('stable-diffusion');
  });

  it('checks each family for its own parts and lists the kinds each serves', async () => {
    const checked = await checkModelEntries({
      models: models({
        flux: { type: 'diffusion', dir: FLUX, ...cpu },
        kandinsky: { type: 'diffusion', dir: KANDINSKY, ...cpu },
        inpaint: { type: 'diffusion', dir: SD, ...cpu },
      }),
    });
    const kinds = (id: string) => {
      const d = checked.diffusion.get(id);
      return [d?.family, [...(d?.kinds ?? [])]];
    };
    expect(kinds('flux')).toEqual(['flux', ['TextToImage', 'ImageToImage']]);
    expect(kinds('kandinsky')).toEqual(['kandinsky', ['TextToImage', 'ImageToImage']]);
    expect(kinds('inpaint')).toEqual([
      'stable-diffusion',
      ['TextToImage', 'ImageToImage', 'Inpaint', 'Uncrop'],
    ]);
    expect([...(checked.parts.get('kandinsky') ?? [])].sort()).toEqual([
      'movq_decoder',
      'movq_encoder',
      'prior/prior',
      'prior/text_encoder',
      'unet',
    ]);
  });

  it('names what a family lacks, and the settings it does not take', async () => {
    const noPrior = await mkdtemp(join(tmpdir(), 'kandinsky-no-prior-'));
    temps.push(noPrior);
    await cp(KANDINSKY, noPrior, { recursive: true });
    await rm(join(noPrior, 'prior', 'prior'), { recursive: true });
    await expect(
      checkModelEntries({ models: models({ k: { type: 'diffusion', dir: noPrior, ...cpu } }) }),
    ).rejects.toMatchObject({
      code: InferenceErrorCode.BadConfig,
      message: `models.entries.k: ${noPrior} has no prior/prior/model.onnx`,
    });
    await expect(
      checkModelEntries({
        models: models({
          f: { type: 'diffusion', dir: FLUX, scheduler: { kind: 'ddim' }, ...cpu },
        }),
      }),
    ).rejects.toThrow(
      /^models\.entries\.f\.scheduler: a flux export takes its settings from its own files; remove scheduler$/,
    );
    const broken = await mkdtemp(join(tmpdir(), 'flux-index-'));
    temps.push(broken);
    await writeFile(join(broken, 'model_index.json'), '{ not json');
    await expect(diffusionFamilyOf(broken)).rejects.toMatchObject({
      code: InferenceErrorCode.BadConfig,
    });
  });

  it('loads Flux and Kandinsky as diffusion models that run their tasks and refuse the rest', async () => {
    const catalog = await ModelCatalog.open({
      models: models({
        flux: { type: 'diffusion', dir: FLUX, ...cpu },
        kandinsky: { type: 'diffusion', dir: KANDINSKY, ...cpu },
      }),
      log,
    });
    const task = {
      prompt: 'a red bicycle',
      steps: 2,
      cfg_scale: 3,
      width: 64,
      height: 64,
      seed: 5,
    };
    for (const id of ['flux', 'kandinsky']) {
      const result = await catalog.use(id, 'diffusion', async (backend) => {
        expect(backend.family).toBe(id);
        await expect(
          runDiffusionTask(backend.pipeline, 'Uncrop', {
            ...task,
            image: 'iVBORw0KGgo=',
            extend_left: 8,
            extend_right: 0,
            extend_top: 0,
            extend_bottom: 0,
          }),
        ).rejects.toMatchObject({
          code: InferenceErrorCode.ModelShapeUnsupported,
          message: `a ${id} model does not serve Uncrop (it serves TextToImage, ImageToImage)`,
        });
        return runDiffusionTask(backend.pipeline, 'TextToImage', task);
      });
      // Kandinsky counts its prior's 25 steps (the default) before the decoder's 2.
      expect([id, result.image.width, result.image.height, result.stepsRun]).toEqual([
        id,
        64,
        64,
        id === 'flux' ? 2 : 27,
      ]);
    }
    await catalog.manager.close?.();
  });

  it('marks a Flux model without a guidance embedding unguided: cfg_scale 1 runs, more is a 400 naming it', async () => {
    const catalog = await ModelCatalog.open({
      models: models({
        schnell: { type: 'diffusion', dir: join(hf, 'flux', 'schnell'), ...cpu },
        dev: { type: 'diffusion', dir: FLUX, ...cpu },
      }),
      log,
    });
    const task = { prompt: 'a red bicycle', steps: 2, width: 64, height: 64, seed: 5 };
    expect(await catalog.use('dev', 'diffusion', async (b) => b.pipeline.unguided)).toBe(false);
    await catalog.use('schnell', 'diffusion', async ({ pipeline }) => {
      expect(pipeline.unguided).toBe(true);
      const ran = await runDiffusionTask(pipeline, 'TextToImage', { ...task, cfg_scale: 1 });
      expect(ran.stepsRun).toBe(2);
      await expect(
        runDiffusionTask(pipeline, 'TextToImage', { ...task, cfg_scale: 3 }),
      ).rejects.toMatchObject({
        code: InferenceErrorCode.BadRequest,
        message: expect.stringMatching(/^cfg_scale: /),
      });
    });
  });

  it("applies a Flux entry's LoRA adapters to the transformer (its alpha from the file)", async () => {
    const catalog = await ModelCatalog.open({
      models: models({
        flux: {
          type: 'diffusion',
          dir: FLUX,
          loras: { style: { path: join(hf, 'flux', 'loras', 'dev-style') } },
          ...cpu,
        },
      }),
      log,
    });
    const task = {
      prompt: 'a red bicycle',
      steps: 2,
      cfg_scale: 3,
      width: 64,
      height: 64,
      seed: 5,
    };
    const [plain, styled] = await catalog.use('flux', 'diffusion', async ({ pipeline }) => [
      await runDiffusionTask(pipeline, 'TextToImage', task),
      await runDiffusionTask(pipeline, 'TextToImage', { ...task, lora: 'style' }),
    ]);
    let most = 0;
    plain?.image.data.forEach((v, i) => {
      most = Math.max(most, Math.abs(v - (styled?.image.data[i] as number)));
    });
    expect(most).toBeGreaterThan(8);
    await expect(
      catalog.use('flux', 'diffusion', ({ pipeline }) =>
        runDiffusionTask(pipeline, 'TextToImage', { ...task, lora: 'other' }),
      ),
    ).rejects.toMatchObject({ code: InferenceErrorCode.UnknownAdapter });
    await expect(
      checkModelEntries({
        models: models({
          k: { type: 'diffusion', dir: KANDINSKY, loras: { s: { path: FLUX } }, ...cpu },
        }),
      }),
    ).rejects.toThrow(/^models\.entries\.k\.loras: a kandinsky export takes/);
  });
});
