// Who makes an API request: an API key today, a console user's login session beside it. Routes see
// one shape whatever the credential, so that roles (and what else depends on who asks) are checked in
// one place for both.

import type { TenantScope } from "../server/tenants.js";
import type { ApiKeyRecord, ApiRole } from "../store/types.js";

export interface Principal {
  kind: "apiKey";
  /** The key's id. */
  id: string;
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

/** How logs and messages name the principal: `apiKey:3f2a…` */
export function principalLabel(p: Principal): string {
  return `${p.kind}:${p.id}`;
}
