/**
 * Capacity: the validator asks each miner once a period what it serves. No inputs; the answer gives,
 * per task kind, the volume of work it offers for the period, its model ids and its LoRA adapters.
 * Kinds it does not serve are absent.
 */
import { z } from 'zod';
import { defineSynapse, type SynapseFields, type SynapseInput } from '../synapse';
import { loraIdField, modelIdField } from './fields';
import { CAPACITY_VOLUME_MAX } from './limits';
import { TASK_KINDS } from './taskKinds';

export const MODELS_PER_TASK_MAX = 16;
export const LORAS_PER_TASK_MAX = 256;

export const taskCapacitySchema = z.object({
  /** Units of work offered for the period: 0..CAPACITY_VOLUME_MAX (zod 4 numbers are finite). */
  volume: z.number().min(0).max(CAPACITY_VOLUME_MAX),
  models: z.array(modelIdField()).min(1).max(MODELS_PER_TASK_MAX),
  loras: z.array(loraIdField()).max(LORAS_PER_TASK_MAX),
});
export type TaskCapacity = z.output<typeof taskCapacitySchema>;

export const Capacity = defineSynapse({
  name: 'Capacity',
  fields: {
    capacities: z.partialRecord(z.enum(TASK_KINDS), taskCapacitySchema).optional(),
  },
  requiredHashFields: [],
});
export type CapacityFields = SynapseFields<typeof Capacity>;
export type CapacityInput = SynapseInput<typeof Capacity>;
