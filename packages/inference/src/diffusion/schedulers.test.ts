import { beforeAll, describe, expect, it } from 'vitest';
import { runPython } from '../../test/diffusion/pythonOracle';
import { createRng } from '../random/xoshiro128';
import { createScheduler, schedulerConfigSchema } from './createScheduler';
import { DdimScheduler } from './ddimScheduler';
import { EulerScheduler } from './eulerScheduler';
import { LcmScheduler } from './lcmScheduler';
import { alphasCumprod, type TimestepSpacing } from './noiseSchedule';
import type { NoiseSource } from './scheduler';

interface Reference {
  alphasCumprod: number[];
  sample: number[];
  eps: number[];
  noise: number[];
  cases: Record<string, Record<string, number[] | number>>;
}

// Tables and one step of each sampler, computed independently with numpy from the published
// definitions (test/diffusion/schedulerReference.py).
let ref: Reference;
beforeAll(async () => {
  ref = JSON.parse(await runPython('schedulerReference.py', []));
});

function expectClose(actual: ArrayLike<number>, expected: unknown, rel: number): void {
  const e = expected as number[];
  expect(actual.length).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    const a = actual[i] as number;
    const b = e[i] as number;
    if (Math.abs(a - b) > rel * Math.max(1, Math.abs(b))) {
      throw new Error(`index ${i}: ${a} != ${b} (tolerance ${rel})`);
    }
  }
}

const fixedNoise = (values: number[]): NoiseSource => ({
  fillNormal: (out) => {
    out.set(values);
    return out;
  },
});

describe('schedulers equal independently computed reference tables', () => {
  it('noise schedule: alphā over 1000 steps, and SD’s published σ_max ≈ 14.6146', () => {
    const ac = alphasCumprod(schedulerConfigSchema.parse({}));
    expectClose(ac, ref.alphasCumprod, 1e-13);
    const last = ac[999] as number;
    expect(Math.sqrt((1 - last) / last)).toBeCloseTo(14.6146, 4);
  });

  const steps = [1, 4, 10, 25, 50];
  for (const kind of ['euler', 'euler_ancestral'] as const) {
    for (const spacing of ['leading', 'trailing', 'linspace'] as TimestepSpacing[]) {
      it(`${kind}, ${spacing} spacing: timesteps, sigmas, init sigma, model input, one step`, () => {
        for (const n of steps) {
          const c = ref.cases[`${kind}/${spacing}/${n}`] as Record<string, number[] | number>;
          const config = schedulerConfigSchema.parse({ kind, timestepSpacing: spacing });
          const s = createScheduler(config, n) as EulerScheduler;
          expect(s).toBeInstanceOf(EulerScheduler);
          expectClose(s.timesteps, c.timesteps, 0);
          expectClose(s.sigmas, c.sigmas, 1e-12);
          expect(s.initNoiseSigma).toBeCloseTo(c.init as number, 10);
          const sample = Float32Array.from(ref.sample);
          expectClose(s.scaleModelInput(sample, 0), c.modelInput, 1e-6);
          const next = s.step(Float32Array.from(ref.eps), 0, sample, fixedNoise(ref.noise));
          expectClose(next, c.step0, 1e-5);
        }
      });
    }
  }

  for (const [name, setAlphaToOne] of [
    ['ddim', false],
    ['ddim-one', true],
  ] as const) {
    for (const spacing of ['leading', 'trailing', 'linspace'] as TimestepSpacing[]) {
      it(`${name}, ${spacing} spacing: timesteps, previous alphas, one step`, () => {
        for (const n of steps) {
          const c = ref.cases[`${name}/${spacing}/${n}`] as Record<string, number[]>;
          const config = schedulerConfigSchema.parse({
            kind: 'ddim',
            timestepSpacing: spacing,
            setAlphaToOne,
          });
          const s = createScheduler(config, n) as DdimScheduler;
          expect(s).toBeInstanceOf(DdimScheduler);
          expectClose(s.timesteps, c.timesteps, 0);
          expectClose(s.alphasPrev, c.alphasPrev, 1e-13);
          const next = s.step(Float32Array.from(ref.eps), 0, Float32Array.from(ref.sample));
          expectClose(next, c.step0, 1e-5);
        }
      });
    }
  }

  it('lcm: timesteps over the 50-step distillation grid, boundary scalings, one step', () => {
    for (const n of [1, 2, 4, 6, 8, 50]) {
      const c = ref.cases[`lcm/${n}`] as Record<string, number[]>;
      const s = createScheduler(schedulerConfigSchema.parse({ kind: 'lcm' }), n) as LcmScheduler;
      expectClose(s.timesteps, c.timesteps, 0);
      const scalings = Array.from(s.timesteps, (t) => LcmScheduler.boundaryScalings(t));
      expectClose(
        scalings.map((x) => x.cSkip),
        c.cSkip,
        1e-13,
      );
      expectClose(
        scalings.map((x) => x.cOut),
        c.cOut,
        1e-13,
      );
      const next = s.step(
        Float32Array.from(ref.eps),
        0,
        Float32Array.from(ref.sample),
        fixedNoise(ref.noise),
      );
      expectClose(next, c.step0, 1e-5);
    }
    // The published 4-step LCM schedule.
    const four = createScheduler(schedulerConfigSchema.parse({ kind: 'lcm' }), 4);
    expect(Array.from(four.timesteps)).toEqual([999, 759, 499, 259]);
  });

  it('known SD timesteps: 10 leading steps start at 901, 4 trailing steps at 999', () => {
    const lead = createScheduler(schedulerConfigSchema.parse({}), 10);
    expect(Array.from(lead.timesteps)).toEqual([901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
    const trail = createScheduler(schedulerConfigSchema.parse({ timestepSpacing: 'trailing' }), 4);
    expect(Array.from(trail.timesteps)).toEqual([999, 749, 499, 249]);
  });

  it('ancestral steps draw their noise from the seeded PRNG: same seed, same result', () => {
    const s = createScheduler(schedulerConfigSchema.parse({ kind: 'euler_ancestral' }), 10);
    const run = (seed: number) =>
      Array.from(
        s.step(Float32Array.from(ref.eps), 3, Float32Array.from(ref.sample), createRng(seed)),
      );
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('DDIM clips its predicted clean sample to ±clipSample (diffusers’ clip_sample)', () => {
    // One step at t = 1 to the final alpha alphā_0: x' = √alphā_0 · x0 + √(1 - alphā_0) · eps.
    const ac = alphasCumprod(schedulerConfigSchema.parse({}));
    const [a0, a1] = [ac[0] as number, ac[1] as number];
    const sample = Float32Array.from([10, -10, 0.5]);
    const eps = new Float32Array(3);
    const step = (clipSample?: number) =>
      Array.from(
        createScheduler(
          schedulerConfigSchema.parse({ kind: 'ddim', ...(clipSample ? { clipSample } : {}) }),
          1,
        ).step(eps, 0, sample, fixedNoise([])),
      );
    const x0 = (x: number) => x / Math.sqrt(a1);
    expect(step(1.5)).toEqual([1.5, -1.5, x0(0.5)].map((v) => Math.fround(Math.sqrt(a0) * v)));
    expect(step()).toEqual([10, -10, 0.5].map((v) => Math.fround(Math.sqrt(a0) * x0(v))));
    expect(() =>
      createScheduler(schedulerConfigSchema.parse({ kind: 'euler', clipSample: 1 }), 4),
    ).toThrow('clipSample applies to the ddim scheduler, not euler');
  });

  it('tail keeps the later steps (image-to-image starts part way)', () => {
    const s = createScheduler(schedulerConfigSchema.parse({}), 10) as EulerScheduler;
    const t = s.tail(4);
    expect(Array.from(t.timesteps)).toEqual([501, 401, 301, 201, 101, 1]);
    expect(t.sigmas[0]).toBe(s.sigmas[4]);
    expect(t.sigmas.length).toBe(7);
  });
});
