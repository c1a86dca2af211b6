#!/usr/bin/env node
// `pnpm devnet` (bin/devnet.mjs): the real subtensor runtime on ws://127.0.0.1:9944 with a ready
// subnet. It exits once the devnet is closed: chopsticks leaves worker threads behind.
import { runMain } from '@subnet/kit';
import { devnetProgram } from './devnetProgram.js';

await runMain(devnetProgram(), { exit: true });
