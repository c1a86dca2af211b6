/**
 * The validator's flags: the shared btcli-style ones from the kit, and its own, declared once.
 * Every setting flag can also be set by its `SUBNET_VALIDATOR_*` variable or in the `--config`
 * file (`--api.port`: `SUBNET_VALIDATOR_API__PORT`).
 */
import {
  CONFIG_FLAG,
  JSON_FLAG,
  LOGGING_FLAGS,
  loggingFlags,
  NETUID_FLAG,
  type OptionTable,
  PASSWORD_ENV_FLAG,
  SUBTENSOR_FLAGS,
  WALLET_FLAGS,
} from '@subnet/kit';

/** Where the validator keeps its state (shared by `start`, `doctor` and `keys`). */
export const STORAGE_FLAGS: OptionTable = {
  'database-url': {
    type: 'string',
    value: 'URL',
    description: 'PostgreSQL (postgres://user:pass@host/db) instead of the embedded database',
  },
  'data-dir': {
    type: 'string',
    value: 'DIR',
    description: 'the embedded database folder (start creates it)',
    default: '~/.subnet/validator/db',
  },
};

const API_FLAGS: OptionTable = {
  'api.enabled': {
    type: 'string',
    value: 'true|false',
    description:
      'serve the organic API; false still serves /status, /metrics and /healthz on that port',
    default: 'true',
  },
  'api.host': {
    type: 'string',
    value: 'HOST',
    description: 'the interface the API listens on',
    default: '127.0.0.1',
  },
  'api.port': {
    type: 'string',
    value: 'PORT',
    description: 'the API port (0 picks a free one)',
    default: '8090',
  },
  'api.text_models': {
    type: 'string',
    value: 'IDS',
    description: 'model ids sold for chat and completions, comma-separated (default: any)',
  },
  'api.image_models': {
    type: 'string',
    value: 'IDS',
    description: 'model ids sold for images, comma-separated (default: any)',
  },
};

const LOOP_FLAGS: OptionTable = {
  'period.blocks': {
    type: 'string',
    value: 'N',
    description: 'the scoring period in blocks; weights are set once per period',
    default: '360',
  },
  'metagraph.every_blocks': {
    type: 'string',
    value: 'N',
    description: 'how often the metagraph is read, in blocks',
    default: '5',
  },
  'weights.version_key': {
    type: 'string',
    value: 'N',
    description: "the version key sent with weights (default: the chain package's)",
  },
};

const CHECKING_FLAGS: OptionTable = {
  'checking.check_share': {
    type: 'string',
    value: 'SHARE',
    description: 'share of answers re-run with the same seed',
    default: '0.5',
  },
  'checking.head_to_head_share': {
    type: 'string',
    value: 'SHARE',
    description: 'share of queries sent to two miners at once',
    default: '0.25',
  },
  'checking.block_ms': {
    type: 'string',
    value: 'MS',
    description: 'wall time of one block; queries are spread over the period',
    default: '12000',
  },
  'checking.llm_sample_match': {
    type: 'string',
    value: 'true|false',
    description: 'also re-sample LLM answers with the task seed (same provider only)',
    default: 'false',
  },
};

const WORK_FLAGS: OptionTable = {
  'work.concurrency': {
    type: 'string',
    value: 'N',
    description: 'queries to miners in flight at once',
    default: '64',
  },
  'work.per_miner_concurrency': {
    type: 'string',
    value: 'N',
    description: 'queries in flight to one miner',
    default: '2',
  },
  'work.max_queries': {
    type: 'string',
    value: 'N',
    description: 'most synthetic queries one period plans, whatever miners declare',
    default: '4096',
  },
  'work.stale_periods': {
    type: 'string',
    value: 'N',
    description: '/healthz fails after this many periods without work or weights',
    default: '3',
  },
};

/** Everything `start` reads (and `doctor` checks). */
export const DAEMON_FLAGS: OptionTable = {
  ...NETUID_FLAG,
  ...SUBTENSOR_FLAGS,
  ...WALLET_FLAGS,
  ...PASSWORD_ENV_FLAG,
  ...STORAGE_FLAGS,
  ...API_FLAGS,
  ...LOOP_FLAGS,
  ...CHECKING_FLAGS,
  ...WORK_FLAGS,
  ...CONFIG_FLAG,
  ...LOGGING_FLAGS,
};

/** What the `keys` commands read: the daemon's storage, and where their log lines go. */
export const KEYS_FLAGS: OptionTable = {
  ...STORAGE_FLAGS,
  config: {
    type: 'string',
    value: 'FILE',
    description: 'the daemon settings file; only its database_url and data_dir are read',
  },
  ...loggingFlags('warn'),
};

export { JSON_FLAG };
