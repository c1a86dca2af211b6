/**
 * The SDK's body hash: sha3-256 over the concatenated sha3-256 hex digests of `str(value)` for each
 * of the synapse's `required_hash_fields`, in that order. A synapse with none hashes the empty string.
 */
import type { z } from 'zod';
import { pyStr } from './pythonRepr';
import { sha3Hex } from './sha3';
import type { SynapseDef } from './synapse';

export function bodyHash(def: SynapseDef, synapse: object): string {
  const fields = synapse as Record<string, unknown>;
  let joined = '';
  for (const key of def.requiredHashFields) {
    joined += sha3Hex(pyStr(fields[key] ?? null, def.schema.shape[key] as z.ZodType | undefined));
  }
  return sha3Hex(joined);
}
