/**
 * Who may call this miner (the axon's blacklist, answered with 403 and a reason):
 * unregistered hotkeys, hotkeys without a validator permit, and stake below a minimum are refused.
 * An allow-list admits hotkeys regardless (for local testing), a deny-list refuses them.
 */
import type { BlacklistVerdict } from '@subnet/protocol';
import type { MetagraphView } from './metagraphView';

export interface AccessPolicyConfig {
  /** Refuse callers without a validator permit (default true). */
  requireValidatorPermit: boolean;
  /** Minimum stake in TAO (default 0). */
  minStake: number;
  allowHotkeys: readonly string[];
  denyHotkeys: readonly string[];
}

export const DEFAULT_ACCESS_POLICY: AccessPolicyConfig = Object.freeze({
  requireValidatorPermit: true,
  minStake: 0,
  allowHotkeys: [],
  denyHotkeys: [],
});

export function checkAccess(
  config: AccessPolicyConfig,
  metagraph: MetagraphView,
  hotkey: string,
): BlacklistVerdict {
  if (config.denyHotkeys.includes(hotkey))
    return { blocked: true, reason: 'hotkey is on the deny list' };
  if (config.allowHotkeys.includes(hotkey)) return { blocked: false };
  const neuron = metagraph.byHotkey(hotkey);
  if (!neuron)
    return {
      blocked: true,
      reason: `hotkey ${hotkey} is not registered on subnet ${metagraph.netuid}`,
    };
  if (config.requireValidatorPermit && !neuron.validatorPermit) {
    return { blocked: true, reason: `uid ${neuron.uid} has no validator permit` };
  }
  if (neuron.stake < config.minStake) {
    return {
      blocked: true,
      reason: `uid ${neuron.uid} stake ${neuron.stake} TAO is below the minimum ${config.minStake} TAO`,
    };
  }
  return { blocked: false };
}
