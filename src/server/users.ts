// Console users: what a username and a password may be, and the changes that must end a user's
// logins with them (a new password, disabling). Used by the REST API and by `provisio user`, so that
// both apply the same rules.

import { hashPassword } from "../auth/password.js";
import type { ApiRole, Store, UserRecord } from "../store/types.js";

/** Lowercase letters, digits and . _ @ -, starting with a letter or a digit: safe in URLs, logs and shells. */
const USERNAME = /^[a-z0-9][a-z0-9._@-]*$/;
export const MAX_USERNAME_LENGTH = 64;
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;
export const MAX_DISPLAY_NAME_LENGTH = 128;

export type UserErrorCode = "USERNAME_INVALID" | "PASSWORD_POLICY" | "USER_EXISTS" | "USER_NOT_FOUND" | "TENANT_NOT_FOUND";

/** Bad input about a user, told so that the API and the CLI can pass the message on as it is. */
export class UserError extends Error {
  override readonly name = "UserError";
  constructor(readonly code: UserErrorCode, message: string, readonly field: string) {
    super(message);
  }
}

/** The stored form of a username as typed (any case), or a UserError saying what is wrong with it. */
export function normalizeUsername(typed: string): string {
  const u = typed.trim().normalize("NFC").toLowerCase();
  if (u.length === 0 || u.length > MAX_USERNAME_LENGTH || !USERNAME.test(u)) {
    throw new UserError("USERNAME_INVALID", `a username is 1 to ${MAX_USERNAME_LENGTH} letters (a-z, any case), digits and . _ @ -, starting with a letter or a digit: ${JSON.stringify(typed)} is not`, "username");
  }
  return u;
}

/** Throws a UserError when `password` may not be `username`'s. */
export function checkPassword(password: string, username: string): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) throw new UserError("PASSWORD_POLICY", `a password has at least ${MIN_PASSWORD_LENGTH} characters (this one has ${length})`, "password");
  if (length > MAX_PASSWORD_LENGTH) throw new UserError("PASSWORD_POLICY", `a password has at most ${MAX_PASSWORD_LENGTH} characters`, "password");
  if (password.trim().toLowerCase() === username.toLowerCase()) throw new UserError("PASSWORD_POLICY", "the password may not be the username", "password");
}

export interface NewUser {
  username: string;
  displayName?: string | null;
  role: ApiRole;
  password: string;
  now: Date;
  /** The tenant to scope the user to (it must exist); null or absent: unscoped. */
  tenant?: string | null;
}

/** Throws a UserError unless the tenant exists (null: no tenant, nothing to check). */
async function checkTenant(store: Pick<Store, "tenants">, tenant: string | null | undefined): Promise<void> {
  if (tenant === null || tenant === undefined) return;
  if ((await store.tenants.get(tenant)) === null) throw new UserError("TENANT_NOT_FOUND", `no tenant ${JSON.stringify(tenant)}`, "tenant");
}

export async function createUser(store: Store, u: NewUser): Promise<UserRecord> {
  const username = normalizeUsername(u.username);
  checkPassword(u.password, username);
  await checkTenant(store, u.tenant);
  const record = {
    username,
    displayName: u.displayName ?? null,
    role: u.role,
    passwordHash: await hashPassword(u.password),
    createdAt: u.now,
    passwordChangedAt: u.now,
    tenant: u.tenant ?? null,
  };
  if (!(await store.users.create(record))) throw new UserError("USER_EXISTS", `there is already a user ${username}`, "username");
  return { ...record, lastLoginAt: null, disabledAt: null };
}

export interface UserUpdate {
  displayName?: string | null;
  role?: ApiRole;
  disabled?: boolean;
  password?: string;
  /** A tenant's name (it must exist) scopes the user to it; null makes them unscoped. */
  tenant?: string | null;
}

/**
 * Applies an admin's (or the CLI's) changes. A new password or disabling ends every login of the user
 * but `keepSession` (a token hash: the user's own, when they change their own password), in the same
 * transaction. A role or tenant change needs no such thing: each request reads the user's role and tenant.
 */
export async function updateUser(store: Store, username: string, change: UserUpdate, now: Date, keepSession?: string): Promise<UserRecord> {
  const name = normalizeUsername(username);
  if (change.password !== undefined) checkPassword(change.password, name);
  await checkTenant(store, change.tenant);
  const passwordHash = change.password === undefined ? undefined : await hashPassword(change.password);
  const updated = await store.transaction(async (tx) => {
    const rec = await tx.users.update(name, {
      ...(change.displayName !== undefined ? { displayName: change.displayName } : {}),
      ...(change.role !== undefined ? { role: change.role } : {}),
      ...(change.tenant !== undefined ? { tenant: change.tenant } : {}),
      ...(passwordHash !== undefined ? { passwordHash, passwordChangedAt: now } : {}),
      ...(change.disabled !== undefined ? { disabledAt: change.disabled ? now : null } : {}),
    });
    if (rec !== null && (passwordHash !== undefined || change.disabled === true)) await tx.userSessions.deleteForUser(name, keepSession);
    return rec;
  });
  if (updated === null) throw new UserError("USER_NOT_FOUND", `there is no user ${name}`, "username");
  return updated;
}

export async function deleteUser(store: Store, username: string): Promise<void> {
  const name = normalizeUsername(username);
  if (!(await store.users.delete(name))) throw new UserError("USER_NOT_FOUND", `there is no user ${name}`, "username");
}
