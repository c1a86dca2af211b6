import type { ApiPromise } from '@polkadot/api';
import { maybeStorage } from './client/pallet.js';

/** The subnet hyperparameters the miner and validator read, from storage at the best block. */
export interface SubnetHyperparameters {
  tempo: number;
  weightsSetRateLimit: number;
  commitRevealWeightsEnabled: boolean;
  /** Reveal period in epochs. */
  commitRevealPeriod: number;
  minAllowedWeights: number;
  /** u16 (65535 = 1.0). */
  maxWeightsLimit: number;
  weightsVersionKey: bigint;
  maxAllowedUids: number;
  maxAllowedValidators: number;
  immunityPeriod: number;
  activityCutoff: number;
  servingRateLimit: number;
  /** Current burn (registration cost) in rao. */
  burn: bigint;
  difficulty: bigint;
}

export async function readHyperparameters(
  api: ApiPromise,
  netuid: number,
): Promise<SubnetHyperparameters> {
  const read = async (name: string) => (await maybeStorage(api, name)?.(netuid))?.toJSON();
  const [tempo, wrl, cr, crp, minW, maxW, vk, maxUids, maxVal, imm, act, serving, burn, diff] =
    await Promise.all([
      read('tempo'),
      read('weightsSetRateLimit'),
      read('commitRevealWeightsEnabled'),
      read('revealPeriodEpochs'),
      read('minAllowedWeights'),
      read('maxWeightsLimit'),
      read('weightsVersionKey'),
      read('maxAllowedUids'),
      read('maxAllowedValidators'),
      read('immunityPeriod'),
      read('activityCutoff'),
      read('servingRateLimit'),
      read('burn'),
      read('difficulty'),
    ]);
  return {
    tempo: Number(tempo ?? 0),
    weightsSetRateLimit: Number(wrl ?? 0),
    commitRevealWeightsEnabled: Boolean(cr),
    commitRevealPeriod: Number(crp ?? 0),
    minAllowedWeights: Number(minW ?? 0),
    maxWeightsLimit: Number(maxW ?? 65535),
    weightsVersionKey: BigInt(String(vk ?? 0)),
    maxAllowedUids: Number(maxUids ?? 0),
    maxAllowedValidators: Number(maxVal ?? 0),
    immunityPeriod: Number(imm ?? 0),
    activityCutoff: Number(act ?? 0),
    servingRateLimit: Number(serving ?? 0),
    burn: BigInt(String(burn ?? 0)),
    difficulty: BigInt(String(diff ?? 0)),
  };
}
