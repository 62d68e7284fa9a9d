// The choices of the admin forms' selects, the same wherever a role or a tenant is chosen.

import { ROLES } from "./types.js";

/** Viewer, Operator, Admin. */
export function RoleOptions() {
  return (
    <>
      {ROLES.map(([r, label]) => (
        <option key={r} value={r}>
          {label}
        </option>
      ))}
    </>
  );
}

/** Every device (no tenant), then each tenant by name. */
export function TenantOptions({ names }: { names: readonly string[] }) {
  return (
    <>
      <option value="">all devices</option>
      {names.map((n) => (
        <option key={n} value={n}>
          {n}
        </option>
      ))}
    </>
  );
}
