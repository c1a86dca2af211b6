import type { Synapse } from '@subnet/protocol';
import type { Logger } from 'pino';

export interface TaskContext {
  /** Aborted when the validator disconnects or the synapse's timeout passes. */
  signal: AbortSignal;
  log: Logger;
}

/**
 * Runs one task: returns the synapse's output fields, or, for streamed synapses (Chat,
 * Completion), an async iterable of stream events.
 */
export type TaskHandler = (
  synapse: Synapse,
  ctx: TaskContext,
) => Promise<Record<string, unknown>> | AsyncIterable<unknown>;
