/**
 * The ClipEmbeddings check: the validator embeds the task's images, decoded as the miner decodes
 * them (`clipImagesOf`), with its own copy of the CLIP model; the score is the share of the
 * miner's embeddings within the scoring config's `minClaimedClipConsistency` cosine (0.98 by
 * default) of the validator's, in order. A wrong count of embeddings scores 0.
 */
import { cosineSimilarity } from '@subnet/inference/image';
import { clipImagesOf, taskFields } from '@subnet/inference/tasks';
import { DEFAULT_SCORING_CONFIG } from '@subnet/scoring';
import type { CheckModels, CheckOutcome } from './checkTypes';
import { WorkError, WorkErrorCode } from './errors';

export async function checkClipEmbeddings(
  models: CheckModels,
  input: Record<string, unknown>,
  outputs: Record<string, unknown>,
): Promise<CheckOutcome> {
  const fields = taskFields('ClipEmbeddings', input);
  const clip = models.clipModel?.(fields.model);
  if (!clip)
    throw new WorkError(WorkErrorCode.NoReference, `no local CLIP model '${fields.model}'`);
  const sources = fields.image_b64s;
  const claimed = (outputs.clip_embeddings as number[][] | undefined) ?? [];
  if (claimed.length !== sources.length) {
    return { score: 0, penalty: 0, reason: 'wrong-count', details: { expected: sources.length } };
  }
  const reference = await clip.embedImages(await clipImagesOf(fields));
  const min = (models.scoring?.image ?? DEFAULT_SCORING_CONFIG.image).minClaimedClipConsistency;
  let agreeing = 0;
  let lowest = 1;
  for (const [i, mine] of claimed.entries()) {
    const ref = reference[i] as Float32Array;
    const cos = mine.length === ref.length ? cosineSimilarity(mine, ref) : 0;
    lowest = Math.min(lowest, cos);
    if (cos >= min) agreeing++;
  }
  const score = agreeing / claimed.length;
  return {
    score,
    penalty: 0,
    reason: score === 1 ? 'reproduced' : 'partial',
    details: { lowestCosine: lowest },
  };
}
