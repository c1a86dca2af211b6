// Entry point of `pnpm models ...`. Logs below warnings are kept out of the command's output.
process.env.LOG_LEVEL ??= 'warn';
const { runModelsCommand } = await import('./modelsCommand');

const code = await runModelsCommand(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});
// Exit explicitly: a WebGPU probe leaves native threads that would keep the process alive.
process.exit(code);

export {};
