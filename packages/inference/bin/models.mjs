#!/usr/bin/env node
// `pnpm models …` from anywhere in the repository (pnpm runs this bin in the folder you are in, so
// relative paths are yours and a failing command prints no ELIFECYCLE line): the model registry: list, pull, verify, export, generate.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/modelsCli.ts');
