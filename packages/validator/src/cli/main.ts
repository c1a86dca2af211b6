/**
 * `pnpm validator <command>`: `start` runs the daemon; `keys create|list|revoke` manages the
 * organic API's keys. Flags follow btcli (`--wallet.name`, `--subtensor.network`); every start
 * flag can also come from a `--config` YAML file or a `SUBNET_VALIDATOR_*` environment variable.
 * Exit codes: 0 done, 1 refused or failed, 2 bad usage or configuration.
 */
import pino from 'pino';
import { runKeysCommand } from '../apiKeys/keysCommand';
import { runStartCommand } from './startCommand';

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);

const [command, ...rest] = process.argv.slice(2);
if (command === 'keys') {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  process.exitCode = await runKeysCommand(rest, { out, err, logger });
} else {
  process.exitCode = await runStartCommand(process.argv.slice(2), { out, err, env: process.env });
}
