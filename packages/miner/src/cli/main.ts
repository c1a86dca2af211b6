// `pnpm miner <command>`: the program is ./program.ts. Exits once the command returns: the models
// commands leave onnxruntime's native threads behind.
import { runMain } from '@subnet/kit';
import { minerProgram } from './program';

await runMain(minerProgram, { exit: true });
