/**
 * A separate process for the reproduction test: opens the tiny models, runs one text-to-image
 * task given as JSON in argv[2], prints the PNG's sha256. A validator re-running a miner's task is
 * exactly this: another process, the same seed.
 */
import { createHash } from 'node:crypto';
import { DiffusionPipeline } from '../../src/diffusion/diffusionPipeline';
import { openTinyDiffusion } from '../../src/testModels/diffusion/tinyDiffusion';

const task = JSON.parse(process.argv[2] ?? '{}');
const models = await openTinyDiffusion({ threads: Number(process.argv[3] ?? 1) });
const result = await new DiffusionPipeline(models, { scheduler: task.scheduler }).textToImage(
  task.params,
);
process.stdout.write(createHash('sha256').update(result.png).digest('hex'));
await models.release();
