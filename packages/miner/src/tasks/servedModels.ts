/**
 * Which models and adapters serve a task (`tasks.<Kind>.models` / `.loras`), and the check every
 * request passes before it runs: the synapse's `model` must be one of them (or absent), and its
 * `lora`, if any, one of the task's adapters. Both refusals are 400 with the served lists.
 */
import type { Synapse } from '@subnet/protocol';
import { invalidTask } from './taskErrors';

export interface ServedModels {
  models: readonly string[];
  loras: readonly string[];
}

/** The model id the request runs on; throws a 400 MinerError for an unserved model or adapter. */
export function pickModel(kind: string, served: ServedModels, synapse: Synapse): string {
  const asked = typeof synapse.model === 'string' ? synapse.model : undefined;
  const model = asked ?? served.models[0];
  if (model === undefined || !served.models.includes(model)) {
    throw invalidTask(
      `model '${asked}' is not served for ${kind} here (served: ${served.models.join(', ')})`,
    );
  }
  const lora = synapse.lora;
  if (typeof lora === 'string' && !served.loras.includes(lora)) {
    throw invalidTask(
      `unknown adapter '${lora}' for ${kind} (served: ${served.loras.join(', ') || 'none'})`,
    );
  }
  return model;
}
