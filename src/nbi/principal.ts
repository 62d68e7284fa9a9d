// Who makes an API request: an API key, or a console user's login session. Routes see one shape
// whatever the credential, so that roles (and what else depends on who asks) are checked in one place
// for both.

import type { TenantScope } from "../server/tenants.js";
import type { ApiKeyRecord, ApiRole, UserRecord } from "../store/types.js";

export interface Principal {
  kind: "apiKey" | "user";
  /** The key's id, or the user's username. */
  id: string;
  /** The key's name, or the user's display name (else the username). */
  name: string;
  role: ApiRole;
  /**
   * The tenant the principal is scoped to, with its filter as read at this request's authentication
   * (server/tenants.ts tenantScope); null: every device. src/nbi/tenancy.ts enforces it.
   */
  tenant: TenantScope | null;
}

export function principalOfKey(key: ApiKeyRecord, tenant: TenantScope | null): Principal {
  return { kind: "apiKey", id: key.id, name: key.name, role: key.role, tenant };
}

/**
 * The one mapping from a user to a principal: what a user may do follows from it and the scope of the
 * user's tenant (read at the request, as for keys) alone.
 */
export function principalOfUser(user: UserRecord, tenant: TenantScope | null): Principal {
  return { kind: "user", id: user.username, name: user.displayName ?? user.username, role: user.role, tenant };
}

/** How logs and messages name the principal: `apiKey:3f2a…`, `user:alice` */
export function principalLabel(p: Principal): string {
  return `${p.kind}:${p.id}`;
}
