#!/usr/bin/env node
// `pnpm miner …` from anywhere in the repository (pnpm runs this bin in the folder you are in, so
// relative paths are yours and a failing command prints no ELIFECYCLE line): the miner daemon and its commands.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
