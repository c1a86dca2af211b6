import { describe, expect, it } from 'vitest';

// The subpath entry files (exports map: ./diffusion, ./image, ./testing/diffusion) load and name
// their API.
describe('entry points', () => {
  it('./diffusion, ./image and ./testing/diffusion export their API', async () => {
    const diffusion = await import('../../src/diffusion/index');
    const image = await import('../../src/image/index');
    const testing = await import('../../src/testModels/diffusion/index');
    expect(typeof diffusion.DiffusionPipeline).toBe('function');
    expect(typeof diffusion.openDiffusionPipeline).toBe('function');
    expect(typeof diffusion.readDiffusionExport).toBe('function');
    expect(typeof diffusion.openTokenizerFolder).toBe('function');
    expect(diffusion.schedulerKinds).toEqual(['euler', 'euler_ancestral', 'ddim', 'lcm']);
    expect(diffusion.INPUT_IMAGE_MAX_PIXELS).toBe(2048 * 2048);
    expect(typeof image.imageHashes).toBe('function');
    expect(typeof image.ClipEmbedder).toBe('function');
    expect(typeof image.decodeImage).toBe('function');
    expect(typeof testing.openTinyDiffusion).toBe('function');
  });
});
