// The frame around every page: skip link, navigation, who is logged in, logout; then the page the URL
// names, with its title set for the document.

import { useEffect, useRef } from "preact/hooks";
import { logOut, roleAllows, roleLabel } from "./api/session.js";
import { usePrincipal } from "./auth.js";
import { pages } from "./pages.js";
import { NotFoundPage } from "./pages/NotFound.js";
import { Link, match, useLocation, type Params } from "./router.js";

export function Shell({ onLoggedOut }: { onLoggedOut(): void }) {
  const principal = usePrincipal();
  const { path } = useLocation();
  let found: { page: (typeof pages)[number]; params: Params } | null = null;
  for (const page of pages) {
    const params = match(page.path, path);
    if (params) {
      found = { page, params };
      break;
    }
  }
  const title = found ? found.page.title(found.params) : "Not found";
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    document.title = `${title} · Provisio`;
    // After a navigation, move focus to the page so that screen readers announce it.
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [path]);

  const out = async () => {
    try {
      await logOut();
    } finally {
      onLoggedOut();
    }
  };
  const Page = found?.page.component;
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">Provisio</span>
        <nav aria-label="Main">
          <ul>
            {pages
              .filter((p) => p.nav && (!p.role || roleAllows(principal.role, p.role)))
              .map((p) => {
                const current = p.path === "/" ? path === "/" : path === p.path || path.startsWith(`${p.path}/`);
                return (
                  <li key={p.path}>
                    <Link href={p.path} aria-current={current ? "page" : undefined}>
                      {p.nav}
                    </Link>
                  </li>
                );
              })}
          </ul>
        </nav>
        <div class="who">
          <span>
            {principal.name} <span class="role">({roleLabel(principal.role)})</span>
            {principal.tenant ? <span class="role"> · tenant {principal.tenant}</span> : null}
          </span>
          {principal.kind === "user" && (
            <button type="button" onClick={() => void out()}>
              Log out
            </button>
          )}
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {Page && found ? <Page key={path} params={found.params} /> : <NotFoundPage />}
      </main>
    </div>
  );
}
