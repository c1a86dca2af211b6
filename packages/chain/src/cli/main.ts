#!/usr/bin/env node
// `pnpm chain ...` (bin/chain.mjs): wallets, registration, the metagraph and the weights policy.
import { runMain } from '@subnet/kit';
import { chainProgram } from './chainProgram.js';

await runMain(chainProgram());
