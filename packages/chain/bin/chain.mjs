#!/usr/bin/env node
// `pnpm chain …` from anywhere in the repository (pnpm runs this bin in the folder you are in, so
// relative paths are yours and a failing command prints no ELIFECYCLE line): wallets, registration, the metagraph and the weights policy.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
