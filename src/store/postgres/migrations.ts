import type { Migration } from "../sql/migrate.js";

// Identifiers and paths are COLLATE "C" whatever the database's locale: results sort by code point as
// on SQLite, and "starts with" can be an index range (a linguistic collation orders "A.B" and "AB"
// unpredictably). Dates are timestamptz, JSON is json (kept as written).
export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
CREATE TABLE devices (
  id text COLLATE "C" PRIMARY KEY,
  manufacturer text NOT NULL,
  oui text COLLATE "C" NOT NULL,
  product_class text COLLATE "C" NOT NULL,
  serial_number text COLLATE "C" NOT NULL,
  registered_at timestamptz NOT NULL,
  last_inform_at timestamptz,
  last_inform_address text,
  last_boot_at timestamptz,
  last_bootstrap_at timestamptz,
  cwmp_namespace text,
  cwmp_version text
);
CREATE INDEX devices_oui ON devices (oui);
CREATE INDEX devices_product_class ON devices (product_class);
CREATE INDEX devices_serial_number ON devices (serial_number);
CREATE INDEX devices_last_inform_at ON devices (last_inform_at);

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
  value text,
  type text,
  writable boolean,
  notification integer,
  access_list json,
  value_at timestamptz,
  names_at timestamptz,
  attributes_at timestamptz,
  PRIMARY KEY (device_id, path)
);

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
];
