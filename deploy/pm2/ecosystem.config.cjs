// The miner and the validator under pm2. From the repository's root:
//   pm2 start deploy/pm2/ecosystem.config.cjs --only subnet-miner
//   pm2 logs subnet-miner
// Edit the config paths (and add --password-env NAME when the hotkey is encrypted, with NAME set
// in pm2's environment) first. pm2 runs node on the bin directly, so the stop signal reaches the
// daemon itself: the miner drains its in-flight requests, the validator its API and period step.
const { join } = require('node:path');

const root = join(__dirname, '..', '..');

/** What both daemons share: stop signal and time, restarts, logs. */
const daemon = {
  interpreter: 'node',
  cwd: root,
  exec_mode: 'fork',
  instances: 1,
  // SIGTERM, and up to 120 s to drain before pm2 kills.
  kill_signal: 'SIGTERM',
  kill_timeout: 120_000,
  // Crashes restart with a growing delay; a clean stop (0) or a configuration error (2) does not.
  autorestart: true,
  stop_exit_codes: [0, 2],
  exp_backoff_restart_delay: 1000,
  max_restarts: 50,
  time: true,
  merge_logs: true,
  env: { NODE_ENV: 'production' },
};

module.exports = {
  apps: [
    {
      ...daemon,
      name: 'subnet-miner',
      script: join(root, 'packages/miner/bin/miner.mjs'),
      args: ['start', '--config', join(root, 'miner.yaml')],
    },
    {
      ...daemon,
      name: 'subnet-validator',
      script: join(root, 'packages/validator/bin/validator.mjs'),
      args: ['start', '--config', join(root, 'validator.yaml')],
    },
  ],
};
