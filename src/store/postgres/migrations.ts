import type { Migration } from "../sql/migrate.js";
import { indexedPathsSql } from "../sql/indexed-paths.js";
import { VALUE_KEY_CHARS } from "./dialect.js";

/** Sets device_trees' column to lz4 compression where the server has it (a server built without it keeps pglz). */
function lz4(column: string): string {
  return `DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)) THEN
    ALTER TABLE device_trees ALTER COLUMN ${column} SET COMPRESSION lz4;
  END IF;
END
$$;`;
}

// Identifiers and paths are COLLATE "C" whatever the database's locale: results sort by code point as
// on SQLite, and "starts with" can be an index range (a linguistic collation orders "A.B" and "AB"
// unpredictably); so are the texts filters compare (manufacturer, cwmp_version, parameter values).
// Dates are timestamptz, JSON is json (kept as written).
export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
CREATE TABLE devices (
  id text COLLATE "C" PRIMARY KEY,
  manufacturer text COLLATE "C" NOT NULL,
  oui text COLLATE "C" NOT NULL,
  product_class text COLLATE "C" NOT NULL,
  serial_number text COLLATE "C" NOT NULL,
  registered_at timestamptz NOT NULL,
  last_inform_at timestamptz,
  last_inform_address text,
  last_boot_at timestamptz,
  last_bootstrap_at timestamptz,
  cwmp_namespace text,
  cwmp_version text COLLATE "C"
);
-- With id: a page of devices in id order with this field equal to a value is a range of the index.
CREATE INDEX devices_oui ON devices (oui, id);
CREATE INDEX devices_product_class ON devices (product_class, id);
CREATE INDEX devices_serial_number ON devices (serial_number);
-- Descending with NULLS LAST: the order of "most recently seen first" (sorts put unknown values last).
CREATE INDEX devices_last_inform_at ON devices (last_inform_at DESC NULLS LAST);

CREATE TABLE device_tags (
  device_id text COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  tag text COLLATE "C" NOT NULL,
  PRIMARY KEY (device_id, tag)
);
CREATE INDEX device_tags_tag ON device_tags (tag, device_id);

CREATE TABLE device_events (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  device_id text COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  at timestamptz NOT NULL,
  code text NOT NULL,
  command_key text NOT NULL
);
CREATE INDEX device_events_device ON device_events (device_id, at DESC, seq);

CREATE TABLE parameters (
  device_id text COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  path text COLLATE "C" NOT NULL,
  object boolean NOT NULL,
  value text COLLATE "C",
  -- What the value's text stands for, as the filter language reads it (query/values.ts), written with
  -- the value so that filters compare and index typed columns instead of casting text in SQL (a cast
  -- of a text that does not fit would raise an error in the middle of a query).
  value_num double precision,
  value_time bigint,
  value_bool boolean,
  -- The value index's key: a btree row cannot exceed about 2.7 kB, and values can.
  value_key text COLLATE "C" GENERATED ALWAYS AS (substr(value, 1, ${VALUE_KEY_CHARS})) STORED,
  type text,
  writable boolean,
  notification integer,
  access_list json,
  value_at timestamptz,
  names_at timestamptz,
  attributes_at timestamptz,
  PRIMARY KEY (device_id, path)
);
-- Filters on parameter values (docs/filters.md) are answered from these indexes alone (index-only
-- scans): a path's rows lie one per device, spread over the whole table, so reading them from the table
-- reads all of it. The first three find the devices whose value matches (an equality, a prefix, a range);
-- parameters_path_device gives a path's rows in device order with the values beside them, for the plans
-- that walk devices in id order and stop after a page (without it PostgreSQL would walk the primary key
-- whole to get that order, when it expects many matches and there are few).
CREATE INDEX parameters_path_value ON parameters (path, value_key, device_id);
CREATE INDEX parameters_path_num ON parameters (path, value_num, device_id) WHERE value_num IS NOT NULL;
CREATE INDEX parameters_path_time ON parameters (path, value_time, device_id) WHERE value_time IS NOT NULL;
CREATE INDEX parameters_path_device ON parameters (path, device_id) INCLUDE (value_key, value_num, value_time, value_bool);

CREATE TABLE tasks (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  device_id text COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  name text NOT NULL,
  args json NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'waiting', 'done', 'failed', 'cancelled', 'expired')),
  created_at timestamptz NOT NULL,
  expires_at timestamptz,
  not_before timestamptz,
  attempts integer NOT NULL,
  max_attempts integer NOT NULL,
  last_fault json,
  result json,
  completed_at timestamptz
);
CREATE INDEX tasks_device_status ON tasks (device_id, status, created_at, seq);
CREATE INDEX tasks_created ON tasks (created_at, seq);
CREATE INDEX tasks_pending_expiry ON tasks (expires_at) WHERE status = 'pending';

CREATE TABLE faults (
  id text COLLATE "C" PRIMARY KEY,
  device_id text COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  channel text COLLATE "C" NOT NULL,
  code text NOT NULL,
  message text NOT NULL,
  detail json,
  retries integer NOT NULL,
  at timestamptz NOT NULL,
  UNIQUE (device_id, channel)
);
CREATE INDEX faults_at ON faults (at);

-- No foreign key to devices: the session lock may be taken before the first Inform creates the device.
-- devices.delete removes the device's session itself.
CREATE TABLE sessions (
  id text COLLATE "C" PRIMARY KEY,
  device_id text COLLATE "C" NOT NULL UNIQUE,
  state json NOT NULL,
  version integer NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE settings (
  key text COLLATE "C" PRIMARY KEY,
  value json NOT NULL
);

CREATE TABLE cpe_credentials (
  username text COLLATE "C" PRIMARY KEY,
  device_id text COLLATE "C" REFERENCES devices (id) ON DELETE CASCADE,
  password_hash text NOT NULL,
  digest_ha1 text NOT NULL,
  realm text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX cpe_credentials_device ON cpe_credentials (device_id);
`,
  },
  {
    version: 2,
    name: "northbound API: event outbox, API keys, webhooks, connection requests",
    sql: `
-- The transactional outbox: events are written in the transaction that made them true, and every ACS
-- process tails the table. Sequence values are taken at insert, not at commit, so a reader going by
-- seq alone could pass over an event whose transaction commits late. tx_ord is the writing
-- transaction's id: readers take only rows of transactions older than every one still running
-- (pg_snapshot_xmin), in (tx_ord, seq) order, and nothing can later appear before their cursor.
CREATE TABLE event_outbox (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tx_ord xid8 NOT NULL DEFAULT pg_current_xact_id(),
  type text NOT NULL,
  device_id text COLLATE "C",
  at timestamptz NOT NULL,
  payload json NOT NULL
);
CREATE INDEX event_outbox_order ON event_outbox (tx_ord, seq);
CREATE INDEX event_outbox_at ON event_outbox (at);

-- Wakes the tailers of every process at commit (NOTIFY is transactional). The channel is named after
-- the schema, so that several Provisio schemas in one database do not wake each other.
CREATE FUNCTION provisio_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('provisio_outbox_' || current_schema(), '');
  RETURN NULL;
END
$fn$;
CREATE TRIGGER event_outbox_notify AFTER INSERT ON event_outbox FOR EACH STATEMENT EXECUTE FUNCTION provisio_outbox_notify();

CREATE TABLE outbox_consumers (
  name text COLLATE "C" PRIMARY KEY,
  tx_ord text NOT NULL,
  seq bigint NOT NULL
);

CREATE TABLE api_keys (
  id text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'operator', 'read-only')),
  key_hash text COLLATE "C" NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at timestamptz
);

CREATE TABLE webhooks (
  id text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  url text NOT NULL,
  events json NOT NULL,
  filter text,
  secret_sealed text NOT NULL,
  enabled boolean NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE webhook_deliveries (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  webhook_id text COLLATE "C" NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_seq bigint NOT NULL,
  event_type text NOT NULL,
  device_id text COLLATE "C",
  payload json NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL,
  next_attempt_at timestamptz,
  locked_by text,
  locked_until timestamptz,
  created_at timestamptz NOT NULL,
  completed_at timestamptz,
  UNIQUE (webhook_id, event_seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_completed ON webhook_deliveries (completed_at) WHERE status <> 'pending';

CREATE TABLE webhook_attempts (
  delivery_id text COLLATE "C" NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  status_code integer,
  ok boolean NOT NULL,
  error text,
  PRIMARY KEY (delivery_id, attempt)
);

CREATE TABLE connreq_credentials (
  device_id text COLLATE "C" PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  username text NOT NULL,
  password_sealed text NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE connreq_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  device_id text COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  at timestamptz NOT NULL,
  method text NOT NULL,
  target text NOT NULL,
  outcome text NOT NULL,
  code text NOT NULL,
  detail text NOT NULL,
  duration_ms integer NOT NULL,
  task_id text
);
CREATE INDEX connreq_attempts_device ON connreq_attempts (device_id, id DESC);
CREATE INDEX connreq_attempts_at ON connreq_attempts (at);
`,
  },
  {
    version: 3,
    name: "provisioning documents; credentials for devices not seen yet",
    sql: `
CREATE TABLE presets (
  name text COLLATE "C" PRIMARY KEY,
  doc json NOT NULL,
  version integer NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE TABLE provisions (
  name text COLLATE "C" PRIMARY KEY,
  doc json NOT NULL,
  version integer NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE TABLE provisioning_history (
  kind text NOT NULL CHECK (kind IN ('preset', 'provision')),
  name text COLLATE "C" NOT NULL,
  version integer NOT NULL,
  doc json,
  at timestamptz NOT NULL,
  PRIMARY KEY (kind, name, version)
);
ALTER TABLE cpe_credentials DROP CONSTRAINT IF EXISTS cpe_credentials_device_id_fkey;
`,
  },
  {
    version: 4,
    name: "files, device uploads and firmware campaigns",
    sql: `
-- A file's bytes: on disk (storage 'disk', one machine's processes) or in file_chunks, so that every
-- ACS process sharing the database can serve every file. Chunks of bytea rather than large objects:
-- they go through the ordinary pooled statements, a byte range is read by chunk number from the
-- primary key, deleting a file is an ordinary (cascading) DELETE with no lo_unlink to forget, and
-- pg_dump and replication treat them as any table.
CREATE TABLE file_contents (
  key text COLLATE "C" PRIMARY KEY,
  storage text NOT NULL CHECK (storage IN ('disk', 'database')),
  -- Bytes per chunk of database content (every chunk but the last is full); NULL on disk.
  chunk_size integer,
  created_at timestamptz NOT NULL
);
CREATE INDEX file_contents_created ON file_contents (created_at);

CREATE TABLE file_chunks (
  content_key text COLLATE "C" NOT NULL REFERENCES file_contents (key) ON DELETE CASCADE,
  n integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (content_key, n)
);
-- Firmware does not compress: store chunks out of line without trying to.
ALTER TABLE file_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE files (
  id text COLLATE "C" PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('file', 'upload')),
  name text NOT NULL,
  file_type text NOT NULL,
  oui text COLLATE "C" NOT NULL,
  product_class text COLLATE "C" NOT NULL,
  version text COLLATE "C" NOT NULL,
  description text NOT NULL,
  content_type text NOT NULL,
  size bigint NOT NULL,
  sha256 text NOT NULL,
  content_key text COLLATE "C" NOT NULL REFERENCES file_contents (key),
  device_id text COLLATE "C" REFERENCES devices (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX files_kind_created ON files (kind, created_at DESC, id);
CREATE INDEX files_device ON files (device_id, created_at DESC) WHERE device_id IS NOT NULL;
CREATE INDEX files_content ON files (content_key);

CREATE TABLE campaigns (
  id text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  filter text NOT NULL,
  file_id text COLLATE "C" NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'paused', 'completed', 'aborted')),
  pause_reason text,
  settings json NOT NULL,
  cursor text COLLATE "C",
  enumerated boolean NOT NULL,
  batch integer NOT NULL,
  counts json NOT NULL,
  claimed_by text,
  claim_until timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  completed_at timestamptz
);
CREATE INDEX campaigns_status ON campaigns (status, created_at);
CREATE INDEX campaigns_file ON campaigns (file_id);

CREATE TABLE campaign_devices (
  campaign_id text COLLATE "C" NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  device_id text COLLATE "C" NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'in_progress', 'succeeded', 'failed', 'skipped', 'cancelled')),
  batch integer NOT NULL,
  task_id text,
  attempts integer NOT NULL,
  fault json,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (campaign_id, device_id)
);
CREATE INDEX campaign_devices_state ON campaign_devices (campaign_id, state, device_id);
`,
  },
  {
    version: 5,
    name: "cheaper session writes",
    sql: `
-- A session's row is written at each exchange and deleted at its end. The housekeeping pass that looks
-- for expired sessions reads a table holding only the sessions in progress: the index on expires_at cost
-- more writes than the reads it saved.
DROP INDEX sessions_expires_at;
-- Room in each page for a row's new version beside the old one lets PostgreSQL update a row without
-- touching its indexes (a HOT update) when no indexed column changed: most of the values a session
-- stores are the ones already there with a new timestamp, and a session's row changes only its state.
ALTER TABLE parameters SET (fillfactor = 70);
ALTER TABLE sessions SET (fillfactor = 50);
`,
  },
  {
    version: 6,
    name: "digest nonce counts",
    sql: `
-- The highest nonce count each Digest nonce was used with, until it expires (housekeeping deletes it
-- then): a login whose count is not higher is a replay. No index on expires_at: the pass that deletes
-- expired rows reads a table of a few minutes' logins, cheaper than an index every login would write.
CREATE TABLE digest_nonces (
  nonce text COLLATE "C" NOT NULL PRIMARY KEY,
  nc bigint NOT NULL,
  expires_at timestamptz NOT NULL
);
`,
  },
  {
    version: 7,
    name: "task retry wakes",
    sql: `
-- The ACS wakes a device when a task's retry back-off ends. woken_for is the not_before whose wake a
-- process claimed (a conditional update, so that one process of several wakes the device); wake_* is
-- the outcome of the latest connection request made for the task and the attempt it was made for.
ALTER TABLE tasks ADD COLUMN woken_for timestamptz;
ALTER TABLE tasks ADD COLUMN wake_at timestamptz;
ALTER TABLE tasks ADD COLUMN wake_outcome text;
ALTER TABLE tasks ADD COLUMN wake_attempts integer;
-- Only retries not yet claimed: those of devices waiting for their Inform leave it, so that the pass
-- that looks for due retries every second reads no more than it may claim.
CREATE INDEX tasks_pending_retry ON tasks (not_before) WHERE status = 'pending' AND not_before IS NOT NULL AND (woken_for IS NULL OR woken_for < not_before);
`,
  },
  {
    version: 8,
    name: "trigram indexes for contains and pattern filters, where pg_trgm can be had",
    sql: `
-- *= and ~= compile to LIKE; a trigram index answers it on the ids and serial numbers people search by.
-- pg_trgm ships with PostgreSQL's contrib, but a server may lack it or the role may not be allowed to
-- create it: the migration then succeeds without the indexes, and those filters read every device
-- (docs/operations.md). The inner block is a subtransaction, so its failure undoes only itself. The
-- operator class is named with the extension's schema, which need not be on the search path.
DO $$
DECLARE
  ext_schema text;
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm could not be created (%): device filters with *= and ~= will scan the devices', SQLERRM;
  END;
  SELECT n.nspname INTO ext_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
  IF ext_schema IS NOT NULL THEN
    EXECUTE format('CREATE INDEX devices_id_trgm ON devices USING gin (id %I.gin_trgm_ops)', ext_schema);
    EXECUTE format('CREATE INDEX devices_serial_number_trgm ON devices USING gin (serial_number %I.gin_trgm_ops)', ext_schema);
  END IF;
END
$$;
`,
  },
  {
    version: 9,
    name: "devices: credentials source",
    sql: `
-- Whether the ACS holds credentials of the device's own ('own') or it still logs in with the shared
-- bootstrap ones ('bootstrap'), so that filters and counts can find devices whose bootstrap did not
-- finish. Kept by the writes to cpe_credentials (store/sql/settings.ts), in their transaction: a column
-- rather than a lookup in cpe_credentials, so that filters and sorts on it are plain column tests. A
-- constant default adds the column without rewriting the table.
ALTER TABLE devices ADD COLUMN credentials text COLLATE "C" NOT NULL DEFAULT 'bootstrap' CHECK (credentials IN ('own', 'bootstrap'));
UPDATE devices SET credentials = 'own' WHERE EXISTS (SELECT 1 FROM cpe_credentials c WHERE c.device_id = devices.id);
-- A page of the devices on bootstrap credentials in id order, and their count (a metric read at every
-- scrape), are a range of the index; an Inform writes it only when it creates the device.
CREATE INDEX devices_credentials ON devices (credentials, id);
`,
  },
  {
    version: 10,
    name: "console users and their login sessions",
    sql: `
-- People who log in to the web console. The username is stored lowercased (the API and CLI lowercase
-- what they are given), so that it is unique whatever the case it is typed in; it is the user's id and
-- is never renamed. password_hash is self-describing (auth/password.ts); the password is never stored.
CREATE TABLE users (
  username text COLLATE "C" PRIMARY KEY,
  display_name text,
  role text NOT NULL CHECK (role IN ('admin', 'operator', 'read-only')),
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  password_changed_at timestamptz NOT NULL,
  last_login_at timestamptz,
  disabled_at timestamptz
);

-- A login's row, found by the SHA-256 of its cookie's token (the token itself is never stored). It ends
-- at idle_until (moved on as it is used) or at ends_at (fixed), whichever comes first; housekeeping
-- deletes it after that. Deleting a user deletes their sessions.
CREATE TABLE user_sessions (
  token_hash text COLLATE "C" PRIMARY KEY,
  username text COLLATE "C" NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  idle_until timestamptz NOT NULL,
  ends_at timestamptz NOT NULL
);
CREATE INDEX user_sessions_user ON user_sessions (username);
`,
  },
  {
    version: 12,
    name: "audit trail",
    sql: `
-- Every change made through the REST API or the CLI: who, when, from where, what, and for configuration
-- objects what they were and became (secrets masked before they get here). Listed newest first by id,
-- filtered by principal, action or target (each index ends with id, so a filtered page is a range),
-- and pruned oldest first by time (server/housekeeping.ts, audit.retentionDays).
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL,
  principal_kind text NOT NULL,
  principal_id text COLLATE "C" NOT NULL,
  principal_name text NOT NULL,
  tenant text COLLATE "C",
  address text,
  operation text NOT NULL,
  action text COLLATE "C" NOT NULL,
  target_type text COLLATE "C" NOT NULL,
  target_id text COLLATE "C",
  outcome integer NOT NULL,
  summary text NOT NULL,
  before json,
  after json
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_principal ON audit_log (principal_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, id);
`,
  },
  {
    version: 13,
    name: "web console: saved filters, who changed provisioning, session history, session counts",
    sql: `
-- Named device filters the console's users share.
CREATE TABLE saved_filters (
  name text COLLATE "C" PRIMARY KEY,
  filter text NOT NULL,
  description text NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL,
  updated_by text,
  updated_at timestamptz NOT NULL
);
-- Who stored each version of a preset or provision (the principal's name; NULL before this migration).
ALTER TABLE provisioning_history ADD COLUMN by_name text;
-- The last sessions of each device: a summary and, when kept, the envelopes exchanged. One insert per
-- session, the device's rows beyond the kept number deleted by the same statement.
CREATE TABLE session_history (
  seq bigserial PRIMARY KEY,
  device_id text COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  session_id text COLLATE "C" NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz NOT NULL,
  outcome text NOT NULL,
  summary json NOT NULL,
  envelopes json
);
CREATE INDEX session_history_device ON session_history (device_id, seq);
-- Sessions ended per minute, one row per process and minute (each process adds its own count, so that
-- processes never wait for each other's row lock): the overview's sessions per minute.
CREATE TABLE session_counts (
  minute bigint NOT NULL,
  process text COLLATE "C" NOT NULL,
  sessions integer NOT NULL,
  PRIMARY KEY (minute, process)
);
-- The overview's open faults by code: an index-only scan, not a read of the faults.
CREATE INDEX faults_code ON faults (code);
`,
  },
  {
    version: 11,
    name: "tenants",
    sql: `
-- Tenants: a named device filter that API keys (and console users) may be scoped to; a scoped principal
-- sees and acts on the devices the filter matches only (src/nbi/tenancy.ts). The name is the key, so
-- that keys, webhooks and campaigns name their tenant the way the API does. A tenant cannot be deleted
-- while a key names it (the API refuses; no foreign key, so that the users table of the console can
-- name tenants the same way without this migration knowing it).
CREATE TABLE tenants (
  name text COLLATE "C" PRIMARY KEY,
  filter text NOT NULL,
  description text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- The tenant a key is scoped to (NULL: unscoped); webhooks and campaigns keep the tenant of the key that
-- created them, so that they reach that tenant's devices only and are listed to it alone.
ALTER TABLE api_keys ADD COLUMN tenant text COLLATE "C";
ALTER TABLE webhooks ADD COLUMN tenant text COLLATE "C";
ALTER TABLE campaigns ADD COLUMN tenant text COLLATE "C";
CREATE INDEX api_keys_tenant ON api_keys (tenant) WHERE tenant IS NOT NULL;
`,
  },
  {
    version: 15,
    name: "diagnostics",
    sql: `
-- One row per diagnostic run (its id is its diagnostic task's), kept as the device's history until
-- housekeeping prunes it (diagnostics.retention). results holds the typed outcome as JSON.
CREATE TABLE diagnostics (
  id text COLLATE "C" NOT NULL PRIMARY KEY,
  device_id text COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  kind text NOT NULL,
  args json NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'requested', 'complete', 'error', 'cancelled', 'failed', 'timeout')),
  state text,
  results json,
  fault json,
  fleet_id text COLLATE "C",
  created_at timestamptz NOT NULL,
  requested_at timestamptz,
  completed_at timestamptz,
  expires_at timestamptz NOT NULL
);
CREATE INDEX diagnostics_device ON diagnostics (device_id, created_at);
-- The timeout sweep reads only what is in flight.
CREATE INDEX diagnostics_in_flight ON diagnostics (expires_at) WHERE status IN ('pending', 'requested');
CREATE INDEX diagnostics_fleet ON diagnostics (fleet_id) WHERE fleet_id IS NOT NULL;
CREATE INDEX diagnostics_completed ON diagnostics (completed_at) WHERE completed_at IS NOT NULL;
-- Fleet runs: the next batch starts on the devices after the cursor (in id order) once the last settled.
CREATE TABLE diagnostic_fleets (
  id text COLLATE "C" NOT NULL PRIMARY KEY,
  kind text NOT NULL,
  args json NOT NULL,
  filter text NOT NULL,
  batch_size integer NOT NULL,
  timeout integer NOT NULL,
  connection_request boolean NOT NULL,
  cursor text COLLATE "C",
  started integer NOT NULL,
  batches integer NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'complete')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
`,
  },
  {
    version: 16,
    name: "tenant users",
    sql: `
-- The tenant a console user is scoped to (NULL: unscoped), as API keys are (migration 11): read at each
-- request, and counted when the tenant is deleted. Fleet diagnostics keep the tenant of whoever started
-- them, so that only that tenant sees the run.
ALTER TABLE users ADD COLUMN tenant text COLLATE "C";
CREATE INDEX users_tenant ON users (tenant) WHERE tenant IS NOT NULL;
ALTER TABLE diagnostic_fleets ADD COLUMN tenant text COLLATE "C";
`,
  },
  {
    version: 17,
    name: "webhook redelivery",
    sql: `
-- Redelivery puts a finished delivery back in the queue, keeping its attempts: when it was last asked
-- for, and how many attempts it had then (the new round gets webhooks.maxAttempts of its own).
ALTER TABLE webhook_deliveries ADD COLUMN redelivered_at timestamptz;
ALTER TABLE webhook_deliveries ADD COLUMN redelivered_after integer NOT NULL DEFAULT 0;
`,
  },
  {
    version: 18,
    name: "metrics",
    sql: `
-- Performance history (docs/metrics.md). Samples are many, so they are kept small: a device's series
-- of one metric is an integer id (metric_series), times are whole seconds since 2020-01-01 UTC (an
-- int4 on PostgreSQL lasts until 2088), values one double, no JSON. Samples and rollup buckets (count,
-- sum, min, max: coarser ones are made from finer ones exactly) are kept in metric and time order, so
-- that what reads a metric over the fleet (aggregates, rollups, retention) reads a range of the table
-- itself and new samples go at its end; a device's chart reads the few rows of its series by index.
CREATE TABLE metric_definitions (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name text COLLATE "C" NOT NULL UNIQUE,
  path text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('gauge', 'counter')),
  scale double precision NOT NULL,
  unit text NOT NULL,
  filter text NOT NULL,
  sample_interval integer NOT NULL,
  export boolean NOT NULL,
  description text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- A counter's last reading (exact, as text: it may pass 2^53) is kept with its series, for the next rate.
CREATE TABLE metric_series (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  device_id text COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  metric_id integer NOT NULL REFERENCES metric_definitions (id) ON DELETE CASCADE,
  last_at integer,
  last_value text,
  last_uptime integer,
  UNIQUE (device_id, metric_id)
);
CREATE INDEX metric_series_metric ON metric_series (metric_id);
CREATE TABLE metric_samples (
  series_id integer NOT NULL REFERENCES metric_series (id) ON DELETE CASCADE,
  t integer NOT NULL,
  metric_id integer NOT NULL,
  value double precision NOT NULL,
  PRIMARY KEY (metric_id, t, series_id)
);
CREATE INDEX metric_samples_series ON metric_samples (series_id, t);
CREATE TABLE metric_rollups (
  series_id integer NOT NULL REFERENCES metric_series (id) ON DELETE CASCADE,
  resolution integer NOT NULL,
  bucket integer NOT NULL,
  metric_id integer NOT NULL,
  count integer NOT NULL,
  sum double precision NOT NULL,
  min double precision NOT NULL,
  max double precision NOT NULL,
  PRIMARY KEY (resolution, metric_id, bucket, series_id)
);
CREATE INDEX metric_rollups_series ON metric_rollups (series_id, resolution, bucket);
-- How far each tier has been rolled up (buckets before done_until are made).
CREATE TABLE metric_rollup_marks (
  resolution integer NOT NULL PRIMARY KEY,
  done_until integer NOT NULL
);
`,
  },
  {
    version: 19,
    name: "alarms",
    sql: `
-- Alarm rules (docs/alarms.md): a condition (JSON, src/alarms/rules.ts) on the devices a filter selects.
CREATE TABLE alarm_rules (
  id text COLLATE "C" NOT NULL PRIMARY KEY,
  name text NOT NULL UNIQUE,
  description text NOT NULL,
  enabled boolean NOT NULL,
  severity text NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'warning')),
  filter text NOT NULL,
  condition json NOT NULL,
  notification text NOT NULL CHECK (notification IN ('active', 'passive', 'none')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- One row per occurrence: raised (or pending, waiting for its rule's duration), then cleared and kept
-- as history until retention. At most one open (pending or active) alarm per device, source and dedupe
-- key: a condition that holds again counts on it. device_id NULL: about no one device (a fleet).
CREATE TABLE alarms (
  id text COLLATE "C" NOT NULL PRIMARY KEY,
  device_id text COLLATE "C" REFERENCES devices (id) ON DELETE CASCADE,
  source text NOT NULL,
  rule_id text COLLATE "C",
  dedupe_key text COLLATE "C" NOT NULL,
  severity text NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'warning')),
  severity_rank integer NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'active', 'cleared')),
  text text NOT NULL,
  detail json,
  raised_at timestamptz NOT NULL,
  cleared_at timestamptz,
  last_changed_at timestamptz NOT NULL,
  count integer NOT NULL,
  acknowledged_by text,
  acknowledged_at timestamptz
);
CREATE UNIQUE INDEX alarms_open ON alarms (COALESCE(device_id, ''), source, dedupe_key) WHERE state <> 'cleared';
CREATE INDEX alarms_device ON alarms (device_id, raised_at);
CREATE INDEX alarms_raised ON alarms (raised_at);
CREATE INDEX alarms_rule ON alarms (rule_id, state) WHERE rule_id IS NOT NULL;
CREATE INDEX alarms_pending ON alarms (last_changed_at) WHERE state = 'pending';
CREATE INDEX alarms_cleared ON alarms (cleared_at) WHERE cleared_at IS NOT NULL;
-- Each alarm's transitions: pending, raised, repeated, cleared, acknowledged, unacknowledged.
CREATE TABLE alarm_history (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alarm_id text COLLATE "C" NOT NULL REFERENCES alarms (id) ON DELETE CASCADE,
  at timestamptz NOT NULL,
  transition text NOT NULL,
  severity text NOT NULL,
  by_name text
);
CREATE INDEX alarm_history_alarm ON alarm_history (alarm_id, seq);
`,
  },
  {
    version: 20,
    name: "metric fleet summaries",
    sql: `
-- Fleet figures per bucket of the hourly (and coarser) tiers, made by the rollup pass from the buckets
-- it has just made: a dashboard's day of hourly steps over the whole fleet reads a few rows a step, not
-- every device's bucket (docs/metrics.md). A device is in the groups it was in when its bucket was
-- summarized. summarized_until is how far each tier has been summarized.
CREATE TABLE metric_fleet_steps (
  resolution integer NOT NULL,
  metric_id integer NOT NULL REFERENCES metric_definitions (id) ON DELETE CASCADE,
  group_by text COLLATE "C" NOT NULL,
  bucket integer NOT NULL,
  grp text COLLATE "C" NOT NULL,
  count integer NOT NULL,
  mean double precision NOT NULL,
  p50 double precision NOT NULL,
  p95 double precision NOT NULL,
  min double precision NOT NULL,
  max double precision NOT NULL,
  PRIMARY KEY (resolution, metric_id, group_by, bucket, grp)
);
ALTER TABLE metric_rollup_marks ADD COLUMN summarized_until integer;
-- Buckets are stored in the order housekeeping makes them (a bucket for every device after the other),
-- so a device's 720 hourly buckets of a month were on 720 heap pages. Keyed by series with the figures
-- in the key's index, a device's chart reads one range of that index and no heap page. The fleet reads
-- (rollups, retention, aggregates from buckets) use an index by metric and time without the series:
-- its keys repeat for every device of a bucket, which PostgreSQL's deduplication stores once per page,
-- so the two indexes cost about what the two before did (docs/BENCHMARKS.md has the bytes).
ALTER TABLE metric_rollups DROP CONSTRAINT metric_rollups_pkey;
DROP INDEX metric_rollups_series;
ALTER TABLE metric_rollups ADD PRIMARY KEY (series_id, resolution, bucket) INCLUDE (count, sum, min, max);
CREATE INDEX metric_rollups_fleet ON metric_rollups (resolution, metric_id, bucket);
-- A counter's last reading is rewritten at every recording: room left on each page keeps those updates
-- on the page (HOT: no new entry in the series' three indexes).
ALTER TABLE metric_series SET (fillfactor = 70);
`,
  },
  {
    version: 21,
    name: "alarm history reasons, notification refusals",
    sql: `
-- Why the ACS made a transition when no report did: a clear because the alarm's rule was deleted or disabled.
ALTER TABLE alarm_history ADD COLUMN reason text;
-- The notification attributes a device refused to set (fault 9009), so that it is not asked again in
-- every session: only after it boots again, or alarms.notificationRetry seconds later.
CREATE TABLE notification_refusals (
  device_id text COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  path text COLLATE "C" NOT NULL,
  refused_at timestamptz NOT NULL,
  PRIMARY KEY (device_id, path)
);
`,
  },
  {
    version: 22,
    name: "owed wakes",
    sql: `
-- Connection requests owed for tasks (bulk tasks, fleet diagnostics, task retries), recorded with what
-- owes them, so that a process that dies before making them leaves them to another. claim names one
-- lease (a process's hold until lease_until); a wake is made only under the claim it was taken with.
CREATE TABLE owed_wakes (
  task_id text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
  device_id text COLLATE "C" NOT NULL,
  claim text NOT NULL,
  lease_until timestamptz NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX owed_wakes_lease ON owed_wakes (lease_until);
`,
  },
  {
    version: 23,
    name: "usp endpoints",
    sql: `
-- The protocol a device is managed by: cwmp, or usp once a USP agent onboarded as it (the USP
-- controller's bridge, docs/usp.md). Kept on the device so that filters and lists read it at no cost.
ALTER TABLE devices ADD COLUMN protocol text NOT NULL DEFAULT 'cwmp';
-- USP agents: the endpoint id, the device it is, and how the controller reached it last (the MTP and its
-- address: a WebSocket connection's id, meaningful only to the process that holds it, or an MQTT topic).
CREATE TABLE usp_endpoints (
  endpoint_id text COLLATE "C" NOT NULL PRIMARY KEY,
  device_id text COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  mtp text NOT NULL,
  route text NOT NULL,
  last_seen timestamptz NOT NULL
);
CREATE INDEX usp_endpoints_device ON usp_endpoints (device_id);
`,
  },
  {
    version: 24,
    name: "usp data models",
    sql: `
-- What USP agents support (GetSupportedDM), learnt once per model and software version and shared by
-- every agent of it (the controller, docs/usp.md). model is the compact JSON of src/controller/supported-dm.ts;
-- the counts are kept beside it so that the device API shows them without reading it.
CREATE TABLE usp_data_models (
  oui text COLLATE "C" NOT NULL,
  product_class text COLLATE "C" NOT NULL,
  software_version text COLLATE "C" NOT NULL,
  learnt_at timestamptz NOT NULL,
  complete boolean NOT NULL,
  objects integer NOT NULL,
  parameters integer NOT NULL,
  commands integer NOT NULL,
  events integer NOT NULL,
  model text NOT NULL,
  PRIMARY KEY (oui, product_class, software_version)
);
`,
    },
    {
    version: 25,
    name: "usp holders",
    sql: `
-- Several controller processes (docs/usp.md, "Several processes"): each process says it is alive until a
-- time it keeps pushing on (a heartbeat); it records the agents whose WebSocket it holds; a wake for such
-- an agent asked of another process is carried to the holder, which takes it and starts the session.
-- Holds and wakes of a process whose heartbeat ran out are dropped: its agents reconnect elsewhere.
CREATE TABLE usp_instances (
  instance text COLLATE "C" NOT NULL PRIMARY KEY,
  alive_until timestamptz NOT NULL
);
CREATE TABLE usp_holds (
  endpoint_id text COLLATE "C" NOT NULL PRIMARY KEY,
  instance text COLLATE "C" NOT NULL,
  since timestamptz NOT NULL
);
CREATE INDEX usp_holds_instance ON usp_holds (instance);
CREATE TABLE usp_wakes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  instance text COLLATE "C" NOT NULL,
  endpoint_id text COLLATE "C" NOT NULL,
  device_id text COLLATE "C" NOT NULL,
  task_id text COLLATE "C",
  created_at timestamptz NOT NULL
);
CREATE INDEX usp_wakes_instance ON usp_wakes (instance, id);
`,
    },
    {
    version: 26,
    name: "parameter trees",
    sql: `
-- A device's parameters grouped in one row (docs/scale.md, sql/tree.ts): the paths in a dictionary, the
-- records in a jsonb object keyed by path id (TOAST compresses it), and rows in param_index for the
-- indexed paths only (sql/indexed-paths.ts). A row per parameter cost 883 bytes; the parameters move
-- here, then go.
CREATE TABLE param_paths (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  path text COLLATE "C" NOT NULL UNIQUE
);
CREATE TABLE device_trees (
  device_id text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  tree jsonb NOT NULL,
  values_at bigint,
  names_at bigint,
  attributes_at bigint
);
CREATE TABLE param_index (
  device_id text COLLATE "C" NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  path_id integer NOT NULL,
  value text COLLATE "C",
  value_num double precision,
  value_time bigint,
  value_bool boolean,
  value_key text COLLATE "C" GENERATED ALWAYS AS (substr(value, 1, ${VALUE_KEY_CHARS})) STORED,
  PRIMARY KEY (device_id, path_id)
);
-- As parameters_path_* were: filters on an indexed path answered from the index alone, and its rows
-- in device order (param_index_device) for the plans that walk devices in id order and stop after a page.
CREATE INDEX param_index_value ON param_index (path_id, value_key, device_id);
CREATE INDEX param_index_num ON param_index (path_id, value_num, device_id) WHERE value_num IS NOT NULL;
CREATE INDEX param_index_time ON param_index (path_id, value_time, device_id) WHERE value_time IS NOT NULL;
CREATE INDEX param_index_device ON param_index (path_id, device_id) INCLUDE (value_key, value_num, value_time, value_bool);

INSERT INTO param_paths (path) SELECT DISTINCT path FROM parameters ORDER BY path;
-- As sql/tree.ts encodes them: jsonb_strip_nulls drops the members that are null; an integer written
-- as JSON writes it is "#" alone; a device's shared times are its latest.
INSERT INTO device_trees (device_id, tree, values_at, names_at, attributes_at)
SELECT p.device_id, jsonb_object_agg(pp.id::text, jsonb_strip_nulls(jsonb_build_object(
    'v', CASE WHEN p.value_num IS NOT NULL AND abs(p.value_num) < 1e15 AND p.value_num::bigint::text = p.value THEN NULL ELSE p.value END,
    't', CASE WHEN substr(p.type, 1, 4) = 'xsd:' THEN substr(p.type, 5) ELSE '!' || p.type END,
    'w', p.writable,
    'n', p.notification,
    'a', p.access_list::jsonb,
    '#', CASE WHEN p.value_num IS NOT NULL AND abs(p.value_num) < 1e15 AND p.value_num::bigint::text = p.value THEN to_jsonb(p.value_num::bigint) ELSE to_jsonb(p.value_num) END,
    '@', p.value_time,
    'tv', CASE WHEN p.value_at IS NOT DISTINCT FROM b.va THEN NULL ELSE COALESCE(round(extract(epoch FROM p.value_at) * 1000)::bigint, -1) END,
    'tn', CASE WHEN p.names_at IS NOT DISTINCT FROM b.na THEN NULL ELSE COALESCE(round(extract(epoch FROM p.names_at) * 1000)::bigint, -1) END,
    'ta', CASE WHEN p.attributes_at IS NOT DISTINCT FROM b.aa THEN NULL ELSE COALESCE(round(extract(epoch FROM p.attributes_at) * 1000)::bigint, -1) END))),
  round(extract(epoch FROM b.va) * 1000)::bigint, round(extract(epoch FROM b.na) * 1000)::bigint, round(extract(epoch FROM b.aa) * 1000)::bigint
FROM parameters p
JOIN param_paths pp ON pp.path = p.path
JOIN (SELECT device_id, MAX(value_at) AS va, MAX(names_at) AS na, MAX(attributes_at) AS aa FROM parameters GROUP BY device_id) b
  ON b.device_id = p.device_id
GROUP BY p.device_id, b.va, b.na, b.aa;
INSERT INTO param_index (device_id, path_id, value, value_num, value_time, value_bool)
SELECT p.device_id, pp.id, p.value, p.value_num, p.value_time, p.value_bool
FROM parameters p JOIN param_paths pp ON pp.path = p.path
WHERE p.path IN (${indexedPathsSql()});
DROP TABLE parameters;
`,
  },
    {
    version: 27,
    name: "outbox notifications by the ACS, lz4 for session history",
    sql: `
-- The ACS notifies the outbox's tailers itself, once per short window (postgres/outbox.ts): the trigger
-- sent a NOTIFY per INSERT, and each NOTIFY serializes its transaction's COMMIT with every other
-- notifying one.
DROP TRIGGER event_outbox_notify ON event_outbox;
DROP FUNCTION provisio_outbox_notify();
-- A session's history (its envelopes, about 6 kB of JSON) is written once and rarely read: lz4 compresses
-- it in about a third of pglz's time, to the same size. Only where the server was built with lz4; rows
-- written before keep pglz.
DO $lz4$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE session_history ALTER COLUMN envelopes SET COMPRESSION lz4;
  END IF;
END
$lz4$;
`,
  },
  {
    version: 28,
    name: "operator's indexed parameters",
    sql: `
-- The operator's indexed parameters (parameters.indexed, docs/scale.md): path patterns whose records
-- param_index keeps besides the built-in list. A pattern is filled in the background, device by device
-- in id order (after_id: the last device done), and its rows are deleted in the background once removed.
CREATE TABLE indexed_parameters (
  pattern text COLLATE "C" PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('filling', 'ready', 'removing')),
  -- Null until every transaction older than the change has ended; then the last device id done ('': none yet).
  after_id text COLLATE "C",
  -- When the change was seen committed (the server's clock once the change was committed).
  writers_before timestamptz,
  done bigint NOT NULL DEFAULT 0,
  added_at timestamptz NOT NULL,
  ready_at timestamptz
);
`,
  },
  {
    version: 29,
    name: "devices: the last Inform's time in a table of its own",
    sql: `
-- The time of a device's last Inform changes at every Inform, and is indexed (lists sorted by it, the
-- online counts): in devices, every Inform added an entry to each of its indexes (two of them GIN
-- trigram indexes), never a HOT update (issue 18.2, docs/BENCHMARKS.md). Here it is one narrow row per
-- device with one index of its own; what else an Inform writes to devices is in no index, so that
-- update stays on its page (HOT), for which devices keeps a tenth of each page free. Every device has
-- its row (last_inform_at NULL until its first Inform): lists join it, sorted by it, as an inner join,
-- which the index can drive. With device_id in the index, its order is the lists' (id breaks ties).
CREATE TABLE device_informs (
  device_id text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  last_inform_at timestamptz
);
INSERT INTO device_informs (device_id, last_inform_at) SELECT id, last_inform_at FROM devices;
CREATE INDEX device_informs_last_inform_at ON device_informs (last_inform_at DESC NULLS LAST, device_id);
DROP INDEX devices_last_inform_at;
ALTER TABLE devices DROP COLUMN last_inform_at;
-- New pages only: an existing full page makes room for its next update once its dead rows are pruned.
ALTER TABLE devices SET (fillfactor = 90);
`,
  },
  {
    version: 30,
    name: "lz4 compression of parameter trees",
    sql: `
-- A tree (about 50 kB of jsonb) is compressed by TOAST at every write and decompressed at every read:
-- lz4 does both several times faster than the default pglz, for about a quarter more bytes
-- (docs/scale.md, "TOAST compression"). A server built without lz4 keeps pglz. Rows written before
-- keep the compression they had until they are written again.
${lz4("tree")}
`,
  },
  {
    version: 31,
    name: "tasks: the expiry index covers waiting tasks; finished tasks by completion",
    sql: `
-- Housekeeping expires pending and waiting tasks; an index on pending ones only could not serve that
-- condition, so every pass read the whole table (644 ms at 1.3 million tasks, most of them done).
DROP INDEX tasks_pending_expiry;
CREATE INDEX tasks_pending_expiry ON tasks (expires_at) WHERE status IN ('pending', 'waiting');
-- And it deletes finished tasks past tasks.retention, oldest first.
CREATE INDEX tasks_finished ON tasks (completed_at) WHERE completed_at IS NOT NULL;
`,
  },
  {
    version: 32,
    name: "parameter trees as binary JSON (SQLite only)",
    // jsonb already; here so that both backends' schemas keep one numbering.
    sql: "SELECT 1;",
  },
  {
    version: 33,
    name: "parameter trees: the records of recent writes beside the tree",
    sql: `
-- A write of values to a large tree (a discovered device's, 40 to 80 kB) merges the records it changes
-- into this small document instead of the tree: an UPDATE that leaves the tree's TOAST value as it was
-- writes the row's few inline bytes, not a new compressed tree (56 kB of WAL a write before, 1.3 kB
-- after). A read takes a record from here first; the next rewrite of the tree takes them back
-- (sql/tree.ts: RECENT_BYTES). No data moves: the column starts empty.
ALTER TABLE device_trees ADD COLUMN recent jsonb;
${lz4("recent")}
`,
  },
];
