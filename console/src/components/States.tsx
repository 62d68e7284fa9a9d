// Loading, empty and error states: every page shows one of them, in the place its data will take, so
// nothing jumps when the data arrives.

import type { ComponentChildren } from "preact";
import { ApiError } from "../api/client.js";

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {what}…
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="state state-empty">{children}</div>;
}

/** What went wrong, said for people; with a retry when one makes sense. */
export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div class="state state-error" role="alert">
      <p>{describe(error)}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function describe(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return error.message;
    if (error.status === 403 && error.code.endsWith("TENANT_FORBIDDEN")) return `Your login is scoped to a tenant, which may not see this: ${error.message}`;
    if (error.status === 403) return `Your role may not do this: ${error.message}`;
    if (error.status === 404) return `Not found: ${error.message}`;
    if (error.status >= 500) return `The server could not answer (${error.code}): ${error.message}`;
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** What a Table shows instead of rows: the error, loading, or `empty` when the list has none. */
export function tableState(loaded: { data: unknown; error: unknown; reload(): void }, count: number, empty: ComponentChildren): ComponentChildren | undefined {
  if (loaded.error) return <ErrorState error={loaded.error} retry={loaded.reload} />;
  if (loaded.data === undefined) return <Empty>Loading…</Empty>;
  return count === 0 ? <Empty>{empty}</Empty> : undefined;
}
