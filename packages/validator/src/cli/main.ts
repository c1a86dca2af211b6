// `pnpm validator ...` (bin/validator.mjs): the program of validatorProgram.ts on this process.
import { runMain } from '@subnet/kit';
import { validatorProgram } from './validatorProgram';

await runMain(validatorProgram);
