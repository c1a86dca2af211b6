/**
 * `pnpm miner models ...`: the inference package's models program (list, pull, verify, providers,
 * generate, export), served inside the miner's with its own flags and help.
 */
import { modelsProgram } from '@subnet/inference';
import { type CommandSpec, mountCommands } from '@subnet/kit';

export const modelsCommands: readonly CommandSpec[] = mountCommands('models', modelsProgram);
