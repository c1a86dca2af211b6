import type { RgbImage } from '../image/rgbImage';
import * as ort from '../runtime/ort';

const OUTPUT = /^(down_block_res_sample_(\d+)|mid_block_res_sample)$/;

/**
 * ControlNet residuals for each step. The session takes `sample`, `timestep` (float32 [batch]),
 * `encoder_hidden_states` and `controlnet_cond` [batch, 3, H, W] (pixels / 255) and returns
 * `down_block_res_sample_N` / `mid_block_res_sample`, fed to the UNet's
 * `down_block_additional_residual_N` / `mid_block_additional_residual` after × scale.
 */
export function controlResiduals(options: {
  session: ort.InferenceSession;
  condition: RgbImage;
  scale: number;
  batch: number;
  dims: readonly number[];
}): (
  sample: Float32Array,
  timestep: number,
  context: ort.Tensor,
) => Promise<ReadonlyMap<string, ort.Tensor>> {
  const { session, condition, scale, batch, dims } = options;
  const plane = condition.width * condition.height;
  const cond = new Float32Array(batch * 3 * plane);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++)
      cond[c * plane + i] = (condition.data[i * 3 + c] as number) / 255;
  }
  for (let b = 1; b < batch; b++) cond.copyWithin(b * 3 * plane, 0, 3 * plane);
  const condTensor = new ort.Tensor('float32', cond, [batch, 3, condition.height, condition.width]);
  const [, c, h, w] = dims as [number, number, number, number];
  return async (sample, timestep, context) => {
    const batched = new Float32Array(sample.length * batch);
    for (let b = 0; b < batch; b++) batched.set(sample, b * sample.length);
    const feeds: Record<string, ort.Tensor> = {
      sample: new ort.Tensor('float32', batched, [batch, c, h, w]),
      timestep: new ort.Tensor('float32', new Float32Array(batch).fill(timestep), [batch]),
      controlnet_cond: condTensor,
    };
    if (session.inputNames.includes('encoder_hidden_states')) feeds.encoder_hidden_states = context;
    const out = await session.run(feeds);
    const residuals = new Map<string, ort.Tensor>();
    for (const [name, tensor] of Object.entries(out)) {
      const match = OUTPUT.exec(name);
      if (!match) continue;
      const target =
        match[2] !== undefined
          ? `down_block_additional_residual_${match[2]}`
          : 'mid_block_additional_residual';
      const data = Float32Array.from(tensor.data as Float32Array, (v) => v * scale);
      residuals.set(target, new ort.Tensor('float32', data, [...tensor.dims]));
    }
    return residuals;
  };
}
