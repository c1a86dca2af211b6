/**
 * The task fields the request mappings of this folder read: a task kind's synapse fields, as the
 * protocol's zod schema outputs them (defaults applied). A miner's parsed synapse has them; a
 * validator holds a task's input as a plain record and narrows it here, once, with the same
 * schema, so that a malformed stored task is an error rather than an `undefined` in a request.
 */
import { parseSynapseFields, type SynapseDef, type SynapseFields } from '@subnet/protocol';
import { TASK_SYNAPSE_BY_KIND, type TaskKind } from '@subnet/protocol/tasks';

/** The synapse fields of task `K` (inputs with their defaults, and the optional outputs). */
export type TaskFields<K extends TaskKind> = SynapseFields<(typeof TASK_SYNAPSE_BY_KIND)[K]>;

/**
 * The fields of a task of `kind`, validated by its synapse's schema; throws
 * `PROTOCOL_INVALID_SYNAPSE` naming each bad field. Fields of no synapse are dropped.
 */
export function taskFields<K extends TaskKind>(kind: K, input: unknown): TaskFields<K> {
  // The defs differ in shape; the one indexed by `kind` parses to `TaskFields<K>`.
  return parseSynapseFields(TASK_SYNAPSE_BY_KIND[kind] as SynapseDef, input) as TaskFields<K>;
}
