/**
 * The LLM check: the validator scores the miner's tokens with its own copy of the model (one
 * forward pass over prompt + completion, `LlmEngine.score`) and hands every position to the
 * scoring package's `checkLlm`: the miner's token and logprob against the validator's top
 * alternatives there (the top 20, plus the miner's token at its true rank, so the rank limit
 * decides rather than the cut-off). Every position is compared, not a sample: the forward pass
 * already computed them all. Tokens are identified by id (`#<id>`): an answer without token ids
 * cannot be checked and scores 0. With `llmSampleMatch` the validator also re-samples the answer
 * with the task's seed and scales the score by the matching share (see `CheckModels`). Both
 * requests come from `@subnet/inference/tasks`, the re-sample's being the one the miner sent.
 */
import {
  generateRequestOf,
  scoreRequestOf,
  type TextKind,
  taskFields,
} from '@subnet/inference/tasks';
import type { TokenLogprob } from '@subnet/protocol/tasks';
import {
  checkLlm,
  DEFAULT_SCORING_CONFIG,
  type RankedLogprob,
  type TokenPosition,
} from '@subnet/scoring';
import type { CheckModels, CheckOutcome } from './checkTypes';
import { WorkError, WorkErrorCode } from './errors';

const TOP_K = 20;
const tokenName = (id: number) => `#${id}`;

function zero(reason: string): CheckOutcome {
  return { score: 0, penalty: 0, reason, details: {} };
}

export async function checkLlmAnswer(
  models: CheckModels,
  input: Record<string, unknown>,
  outputs: Record<string, unknown>,
): Promise<CheckOutcome> {
  // A Chat task is the one with messages (the stored input says its kind no other way here).
  const kind: TextKind = input.messages !== undefined ? 'Chat' : 'Completion';
  const fields = taskFields(kind, input);
  const engine = models.llm?.(fields.model);
  if (!engine)
    throw new WorkError(WorkErrorCode.NoReference, `no local LLM for model '${fields.model}'`);
  const tokens = (outputs.token_logprobs as TokenLogprob[] | undefined) ?? [];
  if (tokens.length === 0) return zero('empty');
  const ids: number[] = [];
  for (const t of tokens) {
    if (t.token_id === undefined) return zero('no-token-ids');
    if (t.token_id >= engine.model.vocabSize) return zero('token-outside-vocabulary');
    ids.push(t.token_id);
  }
  // Any of the model's end-of-sequence ids ends a generation (Llama 3: <|end_of_text|> and
  // <|eot_id|>); a miner that stopped on its own without sending one is checked with the first.
  const eosIds = engine.tokenizer.eosTokenIds;
  const eos = eosIds[0];
  const stop = fields.stop;
  const appendEos =
    eos !== undefined &&
    outputs.finish_reason === 'stop' &&
    stop.length === 0 &&
    !eosIds.includes(ids[ids.length - 1] as number);
  const scored = await engine.score(
    scoreRequestOf(kind, fields, {
      completionTokenIds: appendEos ? [...ids, eos as number] : ids,
      topK: TOP_K,
    }),
  );
  const positions: TokenPosition[] = scored.tokens.map((s, i) => {
    const topK: RankedLogprob[] = s.topLogprobs.map((t, rank) => ({
      token: tokenName(t.tokenId),
      logprob: t.logprob,
      rank,
    }));
    if (!topK.some((t) => t.token === tokenName(s.tokenId))) {
      topK.push({ token: tokenName(s.tokenId), logprob: s.logprob, rank: s.rank - 1 });
    }
    const minerLogprob = i < tokens.length ? (tokens[i] as TokenLogprob).logprob : s.logprob;
    return { token: tokenName(s.tokenId), minerLogprob, validatorTopK: topK };
  });
  const config = models.scoring?.llm ?? DEFAULT_SCORING_CONFIG.llm;
  const result = checkLlm(
    {
      temperature: fields.temperature,
      maxTokens: fields.max_tokens,
      eosToken: tokenName(eos ?? -1),
      positions,
      sampledPositions: tokens.map((_, i) => i),
    },
    config,
  );
  const details: Record<string, number> = {
    meanDistance: result.meanDistance,
    badTokens: result.badTokens,
    tokens: tokens.length,
  };
  if (!models.llmSampleMatch || result.score === 0) {
    return { score: result.score, penalty: result.penalty, reason: result.reason, details };
  }
  const sample = await engine.complete(generateRequestOf(kind, fields));
  let same = 0;
  while (same < ids.length && sample.tokenIds[same] === ids[same]) same++;
  const match =
    same === ids.length && sample.tokenIds.length === ids.length
      ? 1
      : same / Math.max(ids.length, sample.tokenIds.length);
  details.sampleMatch = match;
  const score = result.score * match;
  return {
    score,
    penalty: result.penalty,
    reason: match === 1 ? result.reason : 'sample-mismatch',
    details,
  };
}
