import type { ApiRole, UserChanges, UserRecord, UserRepo, UserSessionRecord, UserSessionRepo } from "../types.js";
import type { Dialect } from "./dialect.js";
import type { Row } from "./driver.js";
import type { Scope } from "./scope.js";

const USER_COLUMNS = "username, display_name, role, password_hash, created_at, password_changed_at, last_login_at, disabled_at, tenant";
const SESSION_COLUMNS = "token_hash, username, created_at, last_seen_at, idle_until, ends_at";

const date = (d: Dialect, v: unknown) => d.readDate(v) ?? new Date(NaN);

function toUser(d: Dialect, r: Row, prefix = ""): UserRecord {
  const name = r[`${prefix}display_name`];
  return {
    username: String(r[`${prefix}username`]),
    displayName: name == null ? null : String(name),
    role: String(r[`${prefix}role`]) as ApiRole,
    passwordHash: String(r[`${prefix}password_hash`]),
    createdAt: date(d, r[`${prefix}created_at`]),
    passwordChangedAt: date(d, r[`${prefix}password_changed_at`]),
    lastLoginAt: d.readDate(r[`${prefix}last_login_at`]),
    disabledAt: d.readDate(r[`${prefix}disabled_at`]),
    tenant: r[`${prefix}tenant`] == null ? null : String(r[`${prefix}tenant`]),
  };
}

function toSession(d: Dialect, r: Row): UserSessionRecord {
  return {
    tokenHash: String(r.token_hash),
    username: String(r.username),
    createdAt: date(d, r.created_at),
    lastSeenAt: date(d, r.last_seen_at),
    idleUntil: date(d, r.idle_until),
    endsAt: date(d, r.ends_at),
  };
}

export class SqlUserRepo implements UserRepo {
  constructor(private readonly s: Scope) {}

  async create(u: Omit<UserRecord, "lastLoginAt" | "disabledAt" | "tenant"> & { tenant?: string | null }): Promise<boolean> {
    const d = this.s.dialect;
    const n = await this.s.run(
      `INSERT INTO users (username, display_name, role, password_hash, created_at, password_changed_at, tenant)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (username) DO NOTHING`,
      [u.username, u.displayName, u.role, u.passwordHash, d.date(u.createdAt), d.date(u.passwordChangedAt), u.tenant ?? null],
    );
    return n > 0;
  }

  async get(username: string): Promise<UserRecord | null> {
    const rows = await this.s.all(`SELECT ${USER_COLUMNS} FROM users WHERE username = $1`, [username]);
    return rows[0] ? toUser(this.s.dialect, rows[0]) : null;
  }

  async list(): Promise<UserRecord[]> {
    const rows = await this.s.all(`SELECT ${USER_COLUMNS} FROM users ORDER BY username`);
    return rows.map((r) => toUser(this.s.dialect, r));
  }

  async count(): Promise<number> {
    const rows = await this.s.all<{ n: unknown }>("SELECT COUNT(*) AS n FROM users");
    return Number(rows[0]?.n ?? 0);
  }

  async update(username: string, c: UserChanges): Promise<UserRecord | null> {
    const d = this.s.dialect;
    const sets: string[] = [];
    const params: unknown[] = [username];
    const set = (column: string, value: unknown, expr = (p: string) => p) => {
      params.push(value);
      sets.push(`${column} = ${expr(`$${params.length}`)}`);
    };
    if (c.displayName !== undefined) set("display_name", c.displayName);
    if (c.role !== undefined) set("role", c.role);
    if (c.tenant !== undefined) set("tenant", c.tenant);
    if (c.passwordHash !== undefined) set("password_hash", c.passwordHash);
    if (c.passwordChangedAt !== undefined) set("password_changed_at", d.date(c.passwordChangedAt));
    if (c.disabledAt === null) sets.push("disabled_at = NULL");
    else if (c.disabledAt !== undefined) set("disabled_at", d.date(c.disabledAt), (p) => `COALESCE(disabled_at, ${p})`);
    if (sets.length === 0) return this.get(username);
    const rows = await this.s.all(`UPDATE users SET ${sets.join(", ")} WHERE username = $1 RETURNING ${USER_COLUMNS}`, params);
    return rows[0] ? toUser(d, rows[0]) : null;
  }

  async delete(username: string): Promise<boolean> {
    // The sessions go with the user (ON DELETE CASCADE); said here too, so as not to depend on SQLite's
    // foreign_keys pragma being on in every connection that ever deletes a user.
    return this.s.atomic(async (s) => {
      await s.run("DELETE FROM user_sessions WHERE username = $1", [username]);
      return (await s.run("DELETE FROM users WHERE username = $1", [username])) > 0;
    });
  }

  async recordLogin(username: string, at: Date): Promise<void> {
    await this.s.run("UPDATE users SET last_login_at = $2 WHERE username = $1", [username, this.s.dialect.date(at)]);
  }

  async countOfTenant(tenant: string): Promise<number> {
    const rows = await this.s.all<{ n: unknown }>("SELECT COUNT(*) AS n FROM users WHERE tenant = $1", [tenant]);
    return Number(rows[0]?.n ?? 0);
  }
}

export class SqlUserSessionRepo implements UserSessionRepo {
  constructor(private readonly s: Scope) {}

  async create(x: UserSessionRecord): Promise<void> {
    const d = this.s.dialect;
    await this.s.run(`INSERT INTO user_sessions (${SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`,
      [x.tokenHash, x.username, d.date(x.createdAt), d.date(x.lastSeenAt), d.date(x.idleUntil), d.date(x.endsAt)]);
  }

  async byHash(tokenHash: string): Promise<{ session: UserSessionRecord; user: UserRecord } | null> {
    const userColumns = USER_COLUMNS.split(", ").map((c) => `u.${c} AS u_${c}`).join(", ");
    const rows = await this.s.all(
      `SELECT s.token_hash, s.username, s.created_at, s.last_seen_at, s.idle_until, s.ends_at, ${userColumns}
       FROM user_sessions s JOIN users u ON u.username = s.username WHERE s.token_hash = $1`, [tokenHash]);
    const r = rows[0];
    return r ? { session: toSession(this.s.dialect, r), user: toUser(this.s.dialect, r, "u_") } : null;
  }

  async touch(tokenHash: string, at: Date, idleUntil: Date, staleBefore: Date): Promise<void> {
    const d = this.s.dialect;
    await this.s.run("UPDATE user_sessions SET last_seen_at = $2, idle_until = $3 WHERE token_hash = $1 AND last_seen_at < $4",
      [tokenHash, d.date(at), d.date(idleUntil), d.date(staleBefore)]);
  }

  async delete(tokenHash: string): Promise<boolean> {
    return (await this.s.run("DELETE FROM user_sessions WHERE token_hash = $1", [tokenHash])) > 0;
  }

  deleteForUser(username: string, except?: string): Promise<number> {
    return except === undefined
      ? this.s.run("DELETE FROM user_sessions WHERE username = $1", [username])
      : this.s.run("DELETE FROM user_sessions WHERE username = $1 AND token_hash <> $2", [username, except]);
  }

  prune(now: Date): Promise<number> {
    const at = this.s.dialect.date(now);
    return this.s.run("DELETE FROM user_sessions WHERE idle_until < $1 OR ends_at < $2", [at, at]);
  }
}
