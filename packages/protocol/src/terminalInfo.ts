/**
 * `TerminalInfo`: what each end of a call says about itself (the SDK's `synapse.dendrite` and
 * `synapse.axon`). Field names are the wire names. `nonce` is a nanosecond timestamp, beyond
 * 2^53, so it is a bigint here and is written as a bare JSON integer on the wire.
 */
import { z } from 'zod';

export const terminalInfoSchema = z.object({
  status_code: z.int().nullable().optional(),
  status_message: z.string().nullable().optional(),
  process_time: z.number().nullable().optional(),
  ip: z.string().nullable().optional(),
  port: z.int().nullable().optional(),
  version: z.int().nullable().optional(),
  nonce: z.bigint().nullable().optional(),
  uuid: z.string().nullable().optional(),
  hotkey: z.string().nullable().optional(),
  signature: z.string().nullable().optional(),
});

export interface TerminalInfo {
  status_code?: number | null;
  status_message?: string | null;
  process_time?: number | null;
  ip?: string | null;
  port?: number | null;
  version?: number | null;
  nonce?: bigint | null;
  uuid?: string | null;
  hotkey?: string | null;
  signature?: string | null;
}

/** The fields in the SDK's declaration order (headers and JSON bodies follow it). */
export const TERMINAL_INFO_FIELDS = [
  'status_code',
  'status_message',
  'process_time',
  'ip',
  'port',
  'version',
  'nonce',
  'uuid',
  'hotkey',
  'signature',
] as const satisfies readonly (keyof TerminalInfo)[];

export type TerminalInfoField = (typeof TERMINAL_INFO_FIELDS)[number];

/** Kinds of the fields, for parsing header strings the way the SDK's validators cast them. */
export const TERMINAL_INFO_KINDS: Record<TerminalInfoField, 'int' | 'float' | 'str' | 'bigint'> = {
  status_code: 'int',
  status_message: 'str',
  process_time: 'float',
  ip: 'str',
  port: 'int',
  version: 'int',
  nonce: 'bigint',
  uuid: 'str',
  hotkey: 'str',
  signature: 'str',
};
