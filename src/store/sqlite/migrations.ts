import type { Migration } from "../sql/migrate.js";
import { indexedPathsSql } from "../sql/indexed-paths.js";

// Dates: INTEGER milliseconds since the epoch. Booleans: INTEGER 0/1. JSON: TEXT.
// Tables keyed by text are WITHOUT ROWID: the rows live in primary key order, so a device's parameters
// (and a subtree of them) are one contiguous range.
export const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  manufacturer TEXT NOT NULL,
  oui TEXT NOT NULL,
  product_class TEXT NOT NULL,
  serial_number TEXT NOT NULL,
  registered_at INTEGER NOT NULL,
  last_inform_at INTEGER,
  last_inform_address TEXT,
  last_boot_at INTEGER,
  last_bootstrap_at INTEGER,
  cwmp_namespace TEXT,
  cwmp_version TEXT
) WITHOUT ROWID;
CREATE INDEX devices_oui ON devices (oui);
CREATE INDEX devices_product_class ON devices (product_class);
CREATE INDEX devices_serial_number ON devices (serial_number);
CREATE INDEX devices_last_inform_at ON devices (last_inform_at);

CREATE TABLE device_tags (
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (device_id, tag)
) WITHOUT ROWID;
CREATE INDEX device_tags_tag ON device_tags (tag, device_id);

CREATE TABLE device_events (
  seq INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  code TEXT NOT NULL,
  command_key TEXT NOT NULL
);
CREATE INDEX device_events_device ON device_events (device_id, at DESC, seq);

CREATE TABLE parameters (
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  object INTEGER NOT NULL,
  value TEXT,
  -- What the value's text stands for, as the filter language reads it (query/values.ts), written with
  -- the value so that filters compare and index typed columns instead of parsing text in SQL.
  value_num REAL,
  value_time INTEGER,
  value_bool INTEGER,
  type TEXT,
  writable INTEGER,
  notification INTEGER,
  access_list TEXT,
  value_at INTEGER,
  names_at INTEGER,
  attributes_at INTEGER,
  PRIMARY KEY (device_id, path)
) WITHOUT ROWID;
-- Filters on parameter values (docs/filters.md) find the devices from these (an index of a WITHOUT
-- ROWID table carries the primary key, so device_id comes with each entry).
CREATE INDEX parameters_path_value ON parameters (path, value);
CREATE INDEX parameters_path_num ON parameters (path, value_num) WHERE value_num IS NOT NULL;
CREATE INDEX parameters_path_time ON parameters (path, value_time) WHERE value_time IS NOT NULL;
CREATE INDEX parameters_path_bool ON parameters (path, value_bool) WHERE value_bool IS NOT NULL;

CREATE TABLE tasks (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  args TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'waiting', 'done', 'failed', 'cancelled', 'expired')),
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  not_before INTEGER,
  attempts INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  last_fault TEXT,
  result TEXT,
  completed_at INTEGER
);
CREATE INDEX tasks_device_status ON tasks (device_id, status, created_at, seq);
CREATE INDEX tasks_created ON tasks (created_at, seq);
CREATE INDEX tasks_pending_expiry ON tasks (expires_at) WHERE status = 'pending';

CREATE TABLE faults (
  id TEXT PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  channel TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  detail TEXT,
  retries INTEGER NOT NULL,
  at INTEGER NOT NULL,
  UNIQUE (device_id, channel)
) WITHOUT ROWID;
CREATE INDEX faults_at ON faults (at);

-- No foreign key to devices: the session lock may be taken before the first Inform creates the device.
-- devices.delete removes the device's session itself.
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  device_id TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL,
  version INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE cpe_credentials (
  username TEXT PRIMARY KEY,
  device_id TEXT REFERENCES devices (id) ON DELETE CASCADE,
  password_hash TEXT NOT NULL,
  digest_ha1 TEXT NOT NULL,
  realm TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX cpe_credentials_device ON cpe_credentials (device_id);
`,
  },
  {
    version: 2,
    name: "northbound API: event outbox, API keys, webhooks, connection requests",
    sql: `
-- The transactional outbox: events are written in the transaction that made them true, and every ACS
-- process tails the table. AUTOINCREMENT: a seq is never reused, even after the newest rows are pruned.
-- Write transactions commit one at a time in seq order, so tx_ord is always 0 here (see OutboxCursor).
CREATE TABLE event_outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tx_ord INTEGER NOT NULL DEFAULT 0,
  type TEXT NOT NULL,
  device_id TEXT,
  at INTEGER NOT NULL,
  payload TEXT NOT NULL
);
CREATE INDEX event_outbox_at ON event_outbox (at);

CREATE TABLE outbox_consumers (
  name TEXT PRIMARY KEY,
  tx_ord TEXT NOT NULL,
  seq INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'read-only')),
  key_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
) WITHOUT ROWID;

CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  filter TEXT,
  secret_sealed TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE webhook_deliveries (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_seq INTEGER NOT NULL,
  event_type TEXT NOT NULL,
  device_id TEXT,
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER,
  locked_by TEXT,
  locked_until INTEGER,
  created_at INTEGER NOT NULL,
  completed_at INTEGER,
  UNIQUE (webhook_id, event_seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_completed ON webhook_deliveries (completed_at) WHERE status <> 'pending';

CREATE TABLE webhook_attempts (
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  status_code INTEGER,
  ok INTEGER NOT NULL,
  error TEXT,
  PRIMARY KEY (delivery_id, attempt)
) WITHOUT ROWID;

CREATE TABLE connreq_credentials (
  device_id TEXT PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  username TEXT NOT NULL,
  password_sealed TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE connreq_attempts (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  method TEXT NOT NULL,
  target TEXT NOT NULL,
  outcome TEXT NOT NULL,
  code TEXT NOT NULL,
  detail TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  task_id TEXT
);
CREATE INDEX connreq_attempts_device ON connreq_attempts (device_id, id DESC);
CREATE INDEX connreq_attempts_at ON connreq_attempts (at);
`,
  },
  {
    version: 3,
    name: "provisioning documents; credentials for devices not seen yet",
    sql: `
-- Presets and provisions: the current document of each, and every version ever stored (doc NULL: the
-- version that deleted it). Any change bumps the settings row provisioning.revision, which every ACS
-- process polls to reload its cache.
CREATE TABLE presets (
  name TEXT PRIMARY KEY,
  doc TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE provisions (
  name TEXT PRIMARY KEY,
  doc TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE provisioning_history (
  kind TEXT NOT NULL CHECK (kind IN ('preset', 'provision')),
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  doc TEXT,
  at INTEGER NOT NULL,
  PRIMARY KEY (kind, name, version)
) WITHOUT ROWID;

-- A device's own credentials may be stored before its first Inform (pre-provisioning), so they no
-- longer reference devices; deleting a device deletes them explicitly.
CREATE TABLE cpe_credentials_v3 (
  username TEXT PRIMARY KEY,
  device_id TEXT,
  password_hash TEXT NOT NULL,
  digest_ha1 TEXT NOT NULL,
  realm TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO cpe_credentials_v3 SELECT username, device_id, password_hash, digest_ha1, realm, created_at FROM cpe_credentials;
DROP TABLE cpe_credentials;
ALTER TABLE cpe_credentials_v3 RENAME TO cpe_credentials;
CREATE INDEX cpe_credentials_device ON cpe_credentials (device_id);
`,
  },
  {
    version: 4,
    name: "files, device uploads and firmware campaigns",
    sql: `
-- A file's bytes: on disk under the data folder (storage 'disk'), or in file_chunks. Content is written
-- first and then referred to by a file; content no file refers to is an orphan that housekeeping removes.
CREATE TABLE file_contents (
  key TEXT PRIMARY KEY,
  storage TEXT NOT NULL CHECK (storage IN ('disk', 'database')),
  -- Bytes per chunk of database content (every chunk but the last is full); NULL on disk.
  chunk_size INTEGER,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX file_contents_created ON file_contents (created_at);

-- A rowid table: chunks are large, and WITHOUT ROWID tables suit small rows only.
CREATE TABLE file_chunks (
  content_key TEXT NOT NULL REFERENCES file_contents (key) ON DELETE CASCADE,
  n INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (content_key, n)
);

CREATE TABLE files (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('file', 'upload')),
  name TEXT NOT NULL,
  file_type TEXT NOT NULL,
  oui TEXT NOT NULL,
  product_class TEXT NOT NULL,
  version TEXT NOT NULL,
  description TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  content_key TEXT NOT NULL REFERENCES file_contents (key),
  device_id TEXT REFERENCES devices (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX files_kind_created ON files (kind, created_at DESC, id);
CREATE INDEX files_device ON files (device_id, created_at DESC) WHERE device_id IS NOT NULL;
CREATE INDEX files_content ON files (content_key);

CREATE TABLE campaigns (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  filter TEXT NOT NULL,
  file_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'paused', 'completed', 'aborted')),
  pause_reason TEXT,
  settings TEXT NOT NULL,
  cursor TEXT,
  enumerated INTEGER NOT NULL,
  batch INTEGER NOT NULL,
  counts TEXT NOT NULL,
  claimed_by TEXT,
  claim_until INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  completed_at INTEGER
) WITHOUT ROWID;
CREATE INDEX campaigns_status ON campaigns (status, created_at);
CREATE INDEX campaigns_file ON campaigns (file_id);

-- No foreign key to devices: an entry outlives its device (it is settled as failed).
CREATE TABLE campaign_devices (
  campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  device_id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'in_progress', 'succeeded', 'failed', 'skipped', 'cancelled')),
  batch INTEGER NOT NULL,
  task_id TEXT,
  attempts INTEGER NOT NULL,
  fault TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, device_id)
) WITHOUT ROWID;
CREATE INDEX campaign_devices_state ON campaign_devices (campaign_id, state, device_id);
`,
  },
  {
    version: 5,
    name: "cheaper session writes",
    sql: `
-- A session's row is written when it starts and deleted at its end. Its state (a few kB of JSON) is too
-- big a row for a WITHOUT ROWID table, whose b-tree holds whole rows: it becomes an ordinary table. The
-- housekeeping pass that looks for expired sessions reads a table holding only the sessions in progress:
-- the index on expires_at cost more page writes than the reads it saved, and goes.
CREATE TABLE sessions_v5 (
  id TEXT NOT NULL PRIMARY KEY,
  device_id TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL,
  version INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
INSERT INTO sessions_v5 (id, device_id, state, version, expires_at) SELECT id, device_id, state, version, expires_at FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_v5 RENAME TO sessions;
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
  nonce TEXT NOT NULL PRIMARY KEY,
  nc INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
`,
  },
  {
    version: 7,
    name: "task retry wakes",
    sql: `
-- The ACS wakes a device when a task's retry back-off ends. woken_for is the not_before whose wake a
-- process claimed (a conditional update, so that one process of several wakes the device); wake_* is
-- the outcome of the latest connection request made for the task and the attempt it was made for.
ALTER TABLE tasks ADD COLUMN woken_for INTEGER;
ALTER TABLE tasks ADD COLUMN wake_at INTEGER;
ALTER TABLE tasks ADD COLUMN wake_outcome TEXT;
ALTER TABLE tasks ADD COLUMN wake_attempts INTEGER;
-- Only retries not yet claimed: those of devices waiting for their Inform leave it, so that the pass
-- that looks for due retries every second reads no more than it may claim.
CREATE INDEX tasks_pending_retry ON tasks (not_before) WHERE status = 'pending' AND not_before IS NOT NULL AND (woken_for IS NULL OR woken_for < not_before);
`,
  },
  {
    version: 9,
    name: "devices: credentials source",
    sql: `
-- Whether the ACS holds credentials of the device's own ('own') or it still logs in with the shared
-- bootstrap ones ('bootstrap'), so that filters and counts can find devices whose bootstrap did not
-- finish. Kept by the writes to cpe_credentials (store/sql/settings.ts), in their transaction: a column
-- rather than a lookup in cpe_credentials, so that filters and sorts on it are plain column tests.
ALTER TABLE devices ADD COLUMN credentials TEXT NOT NULL DEFAULT 'bootstrap' CHECK (credentials IN ('own', 'bootstrap'));
UPDATE devices SET credentials = 'own' WHERE EXISTS (SELECT 1 FROM cpe_credentials c WHERE c.device_id = devices.id);
-- A page of the devices on bootstrap credentials in id order, and their count (a metric read at every
-- scrape), are a range of the index; an Inform writes it only when it creates the device.
-- (The index of a WITHOUT ROWID table carries the primary key, id, after its own columns.)
CREATE INDEX devices_credentials ON devices (credentials);
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
  username TEXT PRIMARY KEY,
  display_name TEXT,
  role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'read-only')),
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  password_changed_at INTEGER NOT NULL,
  last_login_at INTEGER,
  disabled_at INTEGER
) WITHOUT ROWID;

-- A login's row, found by the SHA-256 of its cookie's token (the token itself is never stored). It ends
-- at idle_until (moved on as it is used) or at ends_at (fixed), whichever comes first; housekeeping
-- deletes it after that. Deleting a user deletes their sessions.
CREATE TABLE user_sessions (
  token_hash TEXT PRIMARY KEY,
  username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  idle_until INTEGER NOT NULL,
  ends_at INTEGER NOT NULL
) WITHOUT ROWID;
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
  -- AUTOINCREMENT: an id is never reused after the newest entries are deleted, so a cursor stays valid.
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  principal_kind TEXT NOT NULL,
  principal_id TEXT NOT NULL,
  principal_name TEXT NOT NULL,
  tenant TEXT,
  address TEXT,
  operation TEXT NOT NULL,
  action TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT,
  outcome INTEGER NOT NULL,
  summary TEXT NOT NULL,
  before TEXT,
  after TEXT
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
  name TEXT PRIMARY KEY,
  filter TEXT NOT NULL,
  description TEXT NOT NULL,
  created_by TEXT,
  created_at INTEGER NOT NULL,
  updated_by TEXT,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
-- Who stored each version of a preset or provision (the principal's name; NULL before this migration).
ALTER TABLE provisioning_history ADD COLUMN by_name TEXT;
-- The last sessions of each device: a summary and, when kept, the envelopes exchanged. Rows are big
-- (envelopes), so an ordinary table with an index per device rather than WITHOUT ROWID. One insert per
-- session; the device's rows beyond the kept number go in the same transaction.
CREATE TABLE session_history (
  seq INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  session_id TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  summary TEXT NOT NULL,
  envelopes TEXT
);
CREATE INDEX session_history_device ON session_history (device_id, seq);
-- Sessions ended per minute, one row per process and minute (each process adds its own count, so that
-- processes never wait for each other's row): the overview's sessions per minute.
CREATE TABLE session_counts (
  minute INTEGER NOT NULL,
  process TEXT NOT NULL,
  sessions INTEGER NOT NULL,
  PRIMARY KEY (minute, process)
) WITHOUT ROWID;
-- The overview's open faults by code: a scan of this index, not of the faults.
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
  name TEXT PRIMARY KEY,
  filter TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
-- The tenant a key is scoped to (NULL: unscoped); webhooks and campaigns keep the tenant of the key that
-- created them, so that they reach that tenant's devices only and are listed to it alone.
ALTER TABLE api_keys ADD COLUMN tenant TEXT;
ALTER TABLE webhooks ADD COLUMN tenant TEXT;
ALTER TABLE campaigns ADD COLUMN tenant TEXT;
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
  id TEXT NOT NULL PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  args TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'requested', 'complete', 'error', 'cancelled', 'failed', 'timeout')),
  state TEXT,
  results TEXT,
  fault TEXT,
  fleet_id TEXT,
  created_at INTEGER NOT NULL,
  requested_at INTEGER,
  completed_at INTEGER,
  expires_at INTEGER NOT NULL
);
CREATE INDEX diagnostics_device ON diagnostics (device_id, created_at);
-- The timeout sweep reads only what is in flight.
CREATE INDEX diagnostics_in_flight ON diagnostics (expires_at) WHERE status IN ('pending', 'requested');
CREATE INDEX diagnostics_fleet ON diagnostics (fleet_id) WHERE fleet_id IS NOT NULL;
CREATE INDEX diagnostics_completed ON diagnostics (completed_at) WHERE completed_at IS NOT NULL;
-- Fleet runs: the next batch starts on the devices after the cursor (in id order) once the last settled.
CREATE TABLE diagnostic_fleets (
  id TEXT NOT NULL PRIMARY KEY,
  kind TEXT NOT NULL,
  args TEXT NOT NULL,
  filter TEXT NOT NULL,
  batch_size INTEGER NOT NULL,
  timeout INTEGER NOT NULL,
  connection_request INTEGER NOT NULL,
  cursor TEXT,
  started INTEGER NOT NULL,
  batches INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'complete')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
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
ALTER TABLE users ADD COLUMN tenant TEXT;
CREATE INDEX users_tenant ON users (tenant) WHERE tenant IS NOT NULL;
ALTER TABLE diagnostic_fleets ADD COLUMN tenant TEXT;
`,
  },
  {
    version: 17,
    name: "webhook redelivery",
    sql: `
-- Redelivery puts a finished delivery back in the queue, keeping its attempts: when it was last asked
-- for, and how many attempts it had then (the new round gets webhooks.maxAttempts of its own).
ALTER TABLE webhook_deliveries ADD COLUMN redelivered_at INTEGER;
ALTER TABLE webhook_deliveries ADD COLUMN redelivered_after INTEGER NOT NULL DEFAULT 0;
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
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('gauge', 'counter')),
  scale REAL NOT NULL,
  unit TEXT NOT NULL,
  filter TEXT NOT NULL,
  sample_interval INTEGER NOT NULL,
  export INTEGER NOT NULL,
  description TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- A counter's last reading (exact, as text: it may pass 2^53) is kept with its series, for the next rate.
CREATE TABLE metric_series (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  metric_id INTEGER NOT NULL REFERENCES metric_definitions (id) ON DELETE CASCADE,
  last_at INTEGER,
  last_value TEXT,
  last_uptime INTEGER,
  UNIQUE (device_id, metric_id)
);
CREATE INDEX metric_series_metric ON metric_series (metric_id);
CREATE TABLE metric_samples (
  series_id INTEGER NOT NULL REFERENCES metric_series (id) ON DELETE CASCADE,
  t INTEGER NOT NULL,
  metric_id INTEGER NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (metric_id, t, series_id)
) WITHOUT ROWID;
CREATE INDEX metric_samples_series ON metric_samples (series_id, t);
CREATE TABLE metric_rollups (
  series_id INTEGER NOT NULL REFERENCES metric_series (id) ON DELETE CASCADE,
  resolution INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  metric_id INTEGER NOT NULL,
  count INTEGER NOT NULL,
  sum REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  PRIMARY KEY (resolution, metric_id, bucket, series_id)
) WITHOUT ROWID;
CREATE INDEX metric_rollups_series ON metric_rollups (series_id, resolution, bucket);
-- How far each tier has been rolled up (buckets before done_until are made).
CREATE TABLE metric_rollup_marks (
  resolution INTEGER NOT NULL PRIMARY KEY,
  done_until INTEGER NOT NULL
);
`,
  },
  {
    version: 19,
    name: "alarms",
    sql: `
-- Alarm rules (docs/alarms.md): a condition (JSON, src/alarms/rules.ts) on the devices a filter selects.
CREATE TABLE alarm_rules (
  id TEXT NOT NULL PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'warning')),
  filter TEXT NOT NULL,
  condition TEXT NOT NULL,
  notification TEXT NOT NULL CHECK (notification IN ('active', 'passive', 'none')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- One row per occurrence: raised (or pending, waiting for its rule's duration), then cleared and kept
-- as history until retention. At most one open (pending or active) alarm per device, source and dedupe
-- key: a condition that holds again counts on it. device_id NULL: about no one device (a fleet).
CREATE TABLE alarms (
  id TEXT NOT NULL PRIMARY KEY,
  device_id TEXT REFERENCES devices (id) ON DELETE CASCADE,
  source TEXT NOT NULL,
  rule_id TEXT,
  dedupe_key TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'warning')),
  severity_rank INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'cleared')),
  text TEXT NOT NULL,
  detail TEXT,
  raised_at INTEGER NOT NULL,
  cleared_at INTEGER,
  last_changed_at INTEGER NOT NULL,
  count INTEGER NOT NULL,
  acknowledged_by TEXT,
  acknowledged_at INTEGER
);
CREATE UNIQUE INDEX alarms_open ON alarms (COALESCE(device_id, ''), source, dedupe_key) WHERE state <> 'cleared';
CREATE INDEX alarms_device ON alarms (device_id, raised_at);
CREATE INDEX alarms_raised ON alarms (raised_at);
CREATE INDEX alarms_rule ON alarms (rule_id, state) WHERE rule_id IS NOT NULL;
CREATE INDEX alarms_pending ON alarms (last_changed_at) WHERE state = 'pending';
CREATE INDEX alarms_cleared ON alarms (cleared_at) WHERE cleared_at IS NOT NULL;
-- Each alarm's transitions: pending, raised, repeated, cleared, acknowledged, unacknowledged.
CREATE TABLE alarm_history (
  seq INTEGER PRIMARY KEY,
  alarm_id TEXT NOT NULL REFERENCES alarms (id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  transition TEXT NOT NULL,
  severity TEXT NOT NULL,
  by_name TEXT
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
  resolution INTEGER NOT NULL,
  metric_id INTEGER NOT NULL REFERENCES metric_definitions (id) ON DELETE CASCADE,
  group_by TEXT NOT NULL,
  bucket INTEGER NOT NULL,
  grp TEXT NOT NULL,
  count INTEGER NOT NULL,
  mean REAL NOT NULL,
  p50 REAL NOT NULL,
  p95 REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  PRIMARY KEY (resolution, metric_id, group_by, bucket, grp)
) WITHOUT ROWID;
ALTER TABLE metric_rollup_marks ADD COLUMN summarized_until INTEGER;
-- A series' bucket is unique (its metric follows from the series): the key rollups are written by on
-- both backends (PostgreSQL's primary key, migration 20 there).
DROP INDEX metric_rollups_series;
CREATE UNIQUE INDEX metric_rollups_series ON metric_rollups (series_id, resolution, bucket);
`,
  },
  {
    version: 21,
    name: "alarm history reasons, notification refusals",
    sql: `
-- Why the ACS made a transition when no report did: a clear because the alarm's rule was deleted or disabled.
ALTER TABLE alarm_history ADD COLUMN reason TEXT;
-- The notification attributes a device refused to set (fault 9009), so that it is not asked again in
-- every session: only after it boots again, or alarms.notificationRetry seconds later.
CREATE TABLE notification_refusals (
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  refused_at INTEGER NOT NULL,
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
  task_id TEXT NOT NULL PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
  device_id TEXT NOT NULL,
  claim TEXT NOT NULL,
  lease_until INTEGER NOT NULL,
  created_at INTEGER NOT NULL
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
ALTER TABLE devices ADD COLUMN protocol TEXT NOT NULL DEFAULT 'cwmp';
-- USP agents: the endpoint id, the device it is, and how the controller reached it last (the MTP and its
-- address: a WebSocket connection's id, meaningful only to the process that holds it, or an MQTT topic).
CREATE TABLE usp_endpoints (
  endpoint_id TEXT NOT NULL PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  mtp TEXT NOT NULL,
  route TEXT NOT NULL,
  last_seen INTEGER NOT NULL
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
  oui TEXT NOT NULL,
  product_class TEXT NOT NULL,
  software_version TEXT NOT NULL,
  learnt_at INTEGER NOT NULL,
  complete INTEGER NOT NULL,
  objects INTEGER NOT NULL,
  parameters INTEGER NOT NULL,
  commands INTEGER NOT NULL,
  events INTEGER NOT NULL,
  model TEXT NOT NULL,
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
  instance TEXT NOT NULL PRIMARY KEY,
  alive_until INTEGER NOT NULL
);
CREATE TABLE usp_holds (
  endpoint_id TEXT NOT NULL PRIMARY KEY,
  instance TEXT NOT NULL,
  since INTEGER NOT NULL
);
CREATE INDEX usp_holds_instance ON usp_holds (instance);
CREATE TABLE usp_wakes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  instance TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  task_id TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX usp_wakes_instance ON usp_wakes (instance, id);
`,
    },
    {
    version: 26,
    name: "parameter trees",
    sql: `
-- A device's parameters grouped in one row (docs/scale.md, sql/tree.ts): the paths in a dictionary, the
-- records in a JSON object keyed by path id, and rows in param_index for the indexed paths only
-- (sql/indexed-paths.ts). A row per parameter cost 285 bytes; the parameters move here, then go.
CREATE TABLE param_paths (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  path TEXT NOT NULL UNIQUE
);
-- A rowid table: its rows are tens of kilobytes, which a WITHOUT ROWID table stores badly.
CREATE TABLE device_trees (
  device_id TEXT NOT NULL PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  tree TEXT NOT NULL,
  values_at INTEGER,
  names_at INTEGER,
  attributes_at INTEGER
);
CREATE TABLE param_index (
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  path_id INTEGER NOT NULL,
  value TEXT,
  value_num REAL,
  value_time INTEGER,
  value_bool INTEGER,
  PRIMARY KEY (device_id, path_id)
) WITHOUT ROWID;
CREATE INDEX param_index_value ON param_index (path_id, value);
CREATE INDEX param_index_num ON param_index (path_id, value_num) WHERE value_num IS NOT NULL;
CREATE INDEX param_index_time ON param_index (path_id, value_time) WHERE value_time IS NOT NULL;
CREATE INDEX param_index_bool ON param_index (path_id, value_bool) WHERE value_bool IS NOT NULL;

INSERT INTO param_paths (path) SELECT DISTINCT path FROM parameters ORDER BY path;
-- As sql/tree.ts encodes them: json_patch onto {} drops the members that are null; an integer written
-- as JSON writes it is "#" alone; a device's shared times are its latest.
INSERT INTO device_trees (device_id, tree, values_at, names_at, attributes_at)
SELECT p.device_id, json_group_object(CAST(pp.id AS TEXT), json_patch('{}', json_object(
    'v', CASE WHEN p.value_num IS NOT NULL AND abs(p.value_num) < 1e15 AND CAST(CAST(p.value_num AS INTEGER) AS TEXT) = p.value THEN NULL ELSE p.value END,
    't', CASE WHEN substr(p.type, 1, 4) = 'xsd:' THEN substr(p.type, 5) ELSE '!' || p.type END,
    'w', CASE WHEN p.writable IS NULL THEN NULL WHEN p.writable THEN json('true') ELSE json('false') END,
    'n', p.notification,
    'a', json(p.access_list),
    '#', CASE WHEN p.value_num IS NOT NULL AND abs(p.value_num) < 1e15 AND CAST(CAST(p.value_num AS INTEGER) AS TEXT) = p.value
      THEN CAST(p.value_num AS INTEGER) ELSE p.value_num END,
    '@', p.value_time,
    'tv', CASE WHEN p.value_at IS b.va THEN NULL ELSE COALESCE(p.value_at, -1) END,
    'tn', CASE WHEN p.names_at IS b.na THEN NULL ELSE COALESCE(p.names_at, -1) END,
    'ta', CASE WHEN p.attributes_at IS b.aa THEN NULL ELSE COALESCE(p.attributes_at, -1) END))),
  b.va, b.na, b.aa
FROM parameters p
JOIN param_paths pp ON pp.path = p.path
JOIN (SELECT device_id, MAX(value_at) AS va, MAX(names_at) AS na, MAX(attributes_at) AS aa FROM parameters GROUP BY device_id) b
  ON b.device_id = p.device_id
GROUP BY p.device_id;
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
    // PostgreSQL's commit notifications and TOAST compression: nothing of the kind on SQLite.
    sql: "SELECT 1;",
  },
  {
    version: 28,
    name: "operator's indexed parameters",
    sql: `
-- The operator's indexed parameters (parameters.indexed, docs/scale.md): path patterns whose records
-- param_index keeps besides the built-in list. A pattern is filled in the background, device by device
-- in id order (after_id: the last device done), and its rows are deleted in the background once removed.
CREATE TABLE indexed_parameters (
  pattern TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('filling', 'ready', 'removing')),
  -- Null until every transaction older than the change has ended; then the last device id done ('': none yet).
  after_id TEXT,
  -- When the change was seen committed (unused: SQLite's writers take turns).
  writers_before TEXT,
  done INTEGER NOT NULL DEFAULT 0,
  added_at INTEGER NOT NULL,
  ready_at INTEGER
);
`,
  },
  {
    version: 29,
    name: "devices: the last Inform's time stays in devices",
    // PostgreSQL's migration 29 moves it to a table of its own, so that the Inform's update of devices is
    // a HOT update. SQLite rewrites only the indexes of the columns an UPDATE sets, so it gains nothing
    // from the move, and a filter on the time would then probe devices for each device it matches
    // (measured: bench:list, docs/BENCHMARKS.md "Issue 18, round 7"). Dialect.capabilities.informsTable.
    sql: "SELECT 1",
  },
  {
    version: 30,
    name: "lz4 compression of parameter trees (PostgreSQL only)",
    // Nothing to do on SQLite (it does not compress); here so that both backends' schemas keep one numbering.
    sql: "SELECT 1;",
  },
  {
    version: 31,
    name: "tasks: the expiry index covers waiting tasks; finished tasks by completion",
    // As PostgreSQL's: housekeeping's expiry of pending and waiting tasks read the whole table.
    sql: `
DROP INDEX tasks_pending_expiry;
CREATE INDEX tasks_pending_expiry ON tasks (expires_at) WHERE status IN ('pending', 'waiting');
CREATE INDEX tasks_finished ON tasks (completed_at) WHERE completed_at IS NOT NULL;
`,
  },
  {
    version: 32,
    name: "parameter trees as binary JSON (SQLite only)",
    // The column keeps its TEXT declaration: SQLite stores the JSONB blob as it is (TEXT affinity
    // converts numbers, not blobs). Every statement writes trees with jsonb() and reads them whole
    // with json() (Dialect.jsonText, documentText); -> and json_each read JSONB as they read text.
    sql: "UPDATE device_trees SET tree = jsonb(tree) WHERE typeof(tree) = 'text';",
  },
  {
    version: 33,
    name: "parameter trees: the records of recent writes beside the tree",
    // A write of values to a large tree merges the records it changes into this small JSONB document
    // instead of the tree (sql/tree.ts: RECENT_BYTES): the merge works on a few records, not on
    // the whole tree. A column, as on PostgreSQL (where it spares the tree's TOAST value), so that a
    // device's records stay one row to read.
    sql: "ALTER TABLE device_trees ADD COLUMN recent TEXT;",
  },
];
