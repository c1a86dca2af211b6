/**
 * The validator's schema, as an ordered list of migrations. Append a new migration to change the
 * schema; never edit one that has shipped (databases in the field already ran it). Each runs in
 * its own transaction together with its row in `schema_migrations`.
 *
 * Times are epoch milliseconds in int8 columns (`*_ms`); the code passes its clock in, so tests and
 * both engines see the same values. Uids are the chain's u16 neuron uids.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const initialSchema = `
CREATE TABLE miners (
  uid integer PRIMARY KEY CHECK (uid >= 0 AND uid <= 65535),
  hotkey text NOT NULL,
  -- when this uid got its current hotkey: the start of its current history
  since_ms bigint NOT NULL,
  updated_ms bigint NOT NULL
);

CREATE TABLE task_results (
  id bigserial PRIMARY KEY,
  task_id text NOT NULL,
  task_kind text NOT NULL,
  organic boolean NOT NULL DEFAULT false,
  uid integer NOT NULL,
  hotkey text NOT NULL,
  started_ms bigint NOT NULL,
  duration_ms double precision,
  status_code integer NOT NULL,
  checked boolean NOT NULL DEFAULT false,
  check_score double precision,
  checked_ms bigint,
  error text,
  created_ms bigint NOT NULL
);
CREATE INDEX task_results_uid_created ON task_results (uid, created_ms);
CREATE INDEX task_results_task_id ON task_results (task_id);
CREATE INDEX task_results_unchecked ON task_results (created_ms) WHERE NOT checked;

CREATE TABLE miner_scores (
  uid integer NOT NULL,
  task_kind text NOT NULL,
  hotkey text NOT NULL,
  score double precision NOT NULL,
  samples integer NOT NULL,
  updated_ms bigint NOT NULL,
  PRIMARY KEY (uid, task_kind)
);

CREATE TABLE period_scores (
  period bigint NOT NULL,
  uid integer NOT NULL,
  task_kind text NOT NULL,
  hotkey text NOT NULL,
  score double precision NOT NULL,
  components jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_ms bigint NOT NULL,
  PRIMARY KEY (period, uid, task_kind)
);
CREATE INDEX period_scores_uid ON period_scores (uid);

CREATE TABLE comparisons (
  id bigserial PRIMARY KEY,
  task_id text NOT NULL,
  task_kind text NOT NULL,
  uid_a integer NOT NULL,
  hotkey_a text NOT NULL,
  uid_b integer NOT NULL,
  hotkey_b text NOT NULL,
  -- preference of A over B in [0, 1]: 1 = A wins, 0 = B wins, 0.5 = tie
  preference double precision NOT NULL CHECK (preference >= 0 AND preference <= 1),
  created_ms bigint NOT NULL
);
CREATE INDEX comparisons_uid_a ON comparisons (uid_a);
CREATE INDEX comparisons_uid_b ON comparisons (uid_b);

CREATE TABLE weight_settings (
  id bigserial PRIMARY KEY,
  netuid integer NOT NULL,
  -- 'set': set_weights; 'commit': commit-reveal, revealed later
  mode text NOT NULL CHECK (mode IN ('set', 'commit')),
  -- 'pending': committed, reveal not yet done; 'done': on chain; 'failed': extrinsic failed
  status text NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
  block bigint,
  uids integer[] NOT NULL,
  weights integer[] NOT NULL,
  version_key bigint NOT NULL,
  commit_hash text,
  salt integer[],
  reveal_after_block bigint,
  revealed_block bigint,
  error text,
  created_ms bigint NOT NULL,
  updated_ms bigint NOT NULL,
  CHECK (cardinality(uids) = cardinality(weights)),
  CHECK (mode = 'set' OR (commit_hash IS NOT NULL AND salt IS NOT NULL))
);
CREATE INDEX weight_settings_pending ON weight_settings (netuid) WHERE status = 'pending';

CREATE TABLE api_keys (
  id text PRIMARY KEY,
  name text NOT NULL,
  secret_hash text NOT NULL,
  rate_limit_per_minute integer NOT NULL CHECK (rate_limit_per_minute > 0),
  bucket_tokens double precision NOT NULL,
  bucket_updated_ms bigint NOT NULL,
  created_ms bigint NOT NULL,
  revoked_ms bigint,
  last_used_ms bigint
);

CREATE TABLE api_usage (
  key_id text NOT NULL REFERENCES api_keys (id),
  -- the UTC day, as epoch ms of its midnight
  day_ms bigint NOT NULL,
  requests bigint NOT NULL DEFAULT 0,
  refused bigint NOT NULL DEFAULT 0,
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  images bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (key_id, day_ms)
);

CREATE TABLE validator_state (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_ms bigint NOT NULL
);
`;

export const MIGRATIONS: readonly Migration[] = Object.freeze([
  { version: 1, name: 'initial schema', sql: initialSchema },
  {
    version: 2,
    name: 'why a check scored what it did',
    sql: 'ALTER TABLE task_results ADD COLUMN check_reason text;',
  },
  {
    version: 3,
    name: 'excused outages and capacity answers',
    sql: `
ALTER TABLE task_results ADD COLUMN excused boolean NOT NULL DEFAULT false;
CREATE TABLE capacity_answers (
  uid integer PRIMARY KEY,
  hotkey text NOT NULL,
  period bigint NOT NULL,
  accepted boolean NOT NULL,
  reason text,
  volumes jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_ms bigint NOT NULL
);`,
  },
  {
    version: 4,
    name: 'weights by path (set, hash commit, timelocked commit) and mechanism',
    sql: `
ALTER TABLE weight_settings ADD COLUMN path text NOT NULL DEFAULT 'set'
  CHECK (path IN ('set', 'commit_hash', 'commit_timelocked'));
UPDATE weight_settings SET path = 'commit_hash' WHERE mode = 'commit';
ALTER TABLE weight_settings ADD COLUMN mecid integer NOT NULL DEFAULT 0
  CHECK (mecid >= 0 AND mecid < 256);
-- the validator's uid and the head when prepared: LastUpdate past it means it landed
ALTER TABLE weight_settings ADD COLUMN uid integer;
ALTER TABLE weight_settings ADD COLUMN prepared_block bigint;
-- timelocked commits: the drand round and the ciphertext (hex) the chain stores
ALTER TABLE weight_settings ADD COLUMN reveal_round bigint;
ALTER TABLE weight_settings ADD COLUMN commit_data text;`,
  },
]);

/** The schema version this code writes and expects. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
