import { TASK_KINDS, type TaskKind } from '@subnet/protocol/tasks';
import { describe, expect, it } from 'vitest';
import {
  CHECKABLE_KINDS,
  checkResult,
  checkValue,
  loadRewardModel,
  rewardModelPath,
} from './checkResult';
import { faultOf } from './queryMiner';

describe('checkResult without the models it needs', () => {
  const models = { rewardModel: loadRewardModel() };

  it('loads the reward model shipped with the scoring package', () => {
    expect(rewardModelPath()).toMatch(/packages\/scoring\/models\/reward-model\.json$/);
    expect(models.rewardModel.objective).toBe('binary:logistic');
  });

  it('refuses kinds it does not reproduce, and models the validator does not have', async () => {
    const capacity = { kind: 'Capacity' as TaskKind, input: {} };
    await expect(checkResult(models, capacity, {})).rejects.toMatchObject({
      code: 'VALIDATOR_WORK_UNSUPPORTED_TASK',
    });
    await expect(
      checkResult(models, { kind: 'Upscale', input: { image: 'AAAA', model: 'x2' } }, {}),
    ).rejects.toMatchObject({
      code: 'VALIDATOR_WORK_NO_REFERENCE',
      message: "no local upscaler 'x2'",
    });
    await expect(
      checkResult(
        models,
        { kind: 'ClipEmbeddings', input: { image_b64s: ['AAAA'], model: 'clip' } },
        {},
      ),
    ).rejects.toMatchObject({
      code: 'VALIDATOR_WORK_NO_REFERENCE',
      message: "no local CLIP model 'clip'",
    });
    await expect(
      checkResult(
        models,
        {
          kind: 'Chat',
          input: { messages: [{ role: 'user', content: 'hi' }], seed: 1, model: 'm' },
        },
        {},
      ),
    ).rejects.toMatchObject({
      code: 'VALIDATOR_WORK_NO_REFERENCE',
      message: "no local LLM for model 'm'",
    });
    await expect(
      checkResult(
        models,
        { kind: 'TextToImage', input: { prompt: 'a boat', seed: 1, model: 'sd' } },
        {},
      ),
    ).rejects.toMatchObject({ code: 'VALIDATOR_WORK_NO_REFERENCE' });
    // A stored task that is not a valid synapse input is an error, not a silent undefined.
    await expect(
      checkResult(models, { kind: 'TextToImage', input: { model: 'sd' } }, {}),
    ).rejects.toMatchObject({ code: 'PROTOCOL_INVALID_SYNAPSE' });
  });

  it('checks every task kind', () => {
    expect([...CHECKABLE_KINDS].sort()).toEqual([...TASK_KINDS].sort());
  });

  it('stores score plus penalty', () => {
    expect(checkValue({ score: 0.5, penalty: 0 })).toBe(0.5);
    expect(checkValue({ score: 0, penalty: -3 })).toBe(-3);
  });
});

describe('faultOf', () => {
  // Regression: a miner answering 400 to every synthetic task kept its old quality and weight,
  // because refusals were counted as the validator's fault and never stored.
  it('blames the miner for every failure, refusals of the validator’s tasks included', () => {
    expect([200, 400, 401, 403, 413].map((s) => faultOf(s))).toEqual([
      'none',
      'miner',
      'miner',
      'miner',
      'miner',
    ]);
    expect([404, 408, 422, 429, 500, 503].map((s) => faultOf(s))).toEqual(Array(6).fill('miner'));
  });

  it('blames the validator only when it cancelled the query itself', () => {
    expect([400, 408, 503].map((s) => faultOf(s, true))).toEqual(Array(3).fill('validator'));
    expect(faultOf(200, true)).toBe('none');
  });
});
