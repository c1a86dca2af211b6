#!/usr/bin/env node
// `pnpm devnet …` from anywhere in the repository (pnpm runs this bin in the folder you are in, so
// relative paths are yours and a failing command prints no ELIFECYCLE line): the local subtensor devnet.
import { register } from 'tsx/esm/api';

register();
await import('../src/devnet/main.ts');
