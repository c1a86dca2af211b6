/** The `pnpm miner` program: its commands, each in its own module. */
import type { ProgramSpec } from '@subnet/kit';
import { doctorCommand } from './doctorCommand';
import { modelsCommands } from './modelsCommands';
import { registerCommand } from './registerCommand';
import { startCommand } from './startCommand';
import { statusCommand } from './statusCommand';

export const minerProgram: ProgramSpec = {
  name: 'pnpm miner',
  summary: 'A miner of the inference subnet: serves image and LLM tasks to validators.',
  commands: [startCommand, registerCommand, statusCommand, doctorCommand, ...modelsCommands],
  footer:
    'Settings come from flags, SUBNET_MINER_* environment variables (SUBNET_MINER_AXON__PORT=8091) and the --config YAML file, in that order of precedence; relative paths are taken from the folder you run the command in. docs/miner.md describes them all.',
};
