// A small history-API router: paths are matched against patterns with :named segments; a page is a
// component that takes the params. Adding a page is one entry in pages.ts.

import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";

export type Params = Record<string, string>;

/** The params of `path` if it matches `pattern` ("/devices/:id"), else null. */
export function match(pattern: string, path: string): Params | null {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(":")) {
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return null;
      }
    } else if (w !== g) return null;
  }
  return params;
}

const listeners = new Set<() => void>();

export function navigate(to: string, o: { replace?: boolean } = {}): void {
  if (to === location.pathname + location.search) return;
  if (o.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  for (const l of listeners) l();
}

/** The current path and search, re-rendering on navigation. */
export function useLocation(): { path: string; search: URLSearchParams } {
  const [, tick] = useState(0);
  useEffect(() => {
    const on = () => tick((n) => n + 1);
    listeners.add(on);
    window.addEventListener("popstate", on);
    return () => {
      listeners.delete(on);
      window.removeEventListener("popstate", on);
    };
  }, []);
  return { path: location.pathname, search: new URLSearchParams(location.search) };
}

/** Replaces the query string (keeping the path) without a new history entry. */
export function setSearch(params: Record<string, string | undefined>): void {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, v);
  const s = q.toString();
  navigate(`${location.pathname}${s ? `?${s}` : ""}`, { replace: true });
}

/** An <a> that navigates within the console (a plain link for new tabs and modified clicks). */
export interface LinkProps {
  href: string;
  children: ComponentChildren;
  class?: string;
  "aria-current"?: "page";
  "aria-label"?: string;
}

export function Link({ href, children, ...rest }: LinkProps) {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
