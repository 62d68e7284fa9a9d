import type { Migration } from "../sql/migrate.js";

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
  type TEXT,
  writable INTEGER,
  notification INTEGER,
  access_list TEXT,
  value_at INTEGER,
  names_at INTEGER,
  attributes_at INTEGER,
  PRIMARY KEY (device_id, path)
) WITHOUT ROWID;

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
];
