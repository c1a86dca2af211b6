/** Entry point of `validator keys ...` (run with tsx). See keysCommand.ts for the commands. */
import pino from 'pino';
import { runKeysCommand } from './keysCommand';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));

const code = await runKeysCommand(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  logger,
});
process.exitCode = code;
