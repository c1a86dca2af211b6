// `pnpm models ...` (bin/models.mjs). Exits when the command returns: a WebGPU probe leaves native
// threads that would keep the process alive.
import { runMain } from '@subnet/kit';
import { modelsProgram } from './modelsCommand';

await runMain(modelsProgram, { exit: true });
