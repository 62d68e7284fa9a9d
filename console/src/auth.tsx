// The logged-in principal for every component, and what its role allows.

import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { roleAllows } from "./api/session.js";
import type { Principal, Role } from "./api/types.js";

export const AuthContext = createContext<Principal | null>(null);

export function usePrincipal(): Principal {
  const p = useContext(AuthContext);
  if (p === null) throw new Error("usePrincipal outside a login");
  return p;
}

/** Whether the logged-in role may do what needs `role`: the console hides what it may not. */
export function useCan(role: Role): boolean {
  return roleAllows(usePrincipal().role, role);
}
