// A counter in the settings table that moves with every change of some configuration (presets and
// provisions, metric definitions), so that every process can tell, with one read, whether its copy is
// still current.
import type { Scope } from "./scope.js";

export async function readRevision(s: Scope, key: string): Promise<number> {
  const rows = await s.all<{ value: unknown }>("SELECT value FROM settings WHERE key = $1", [key]);
  return rows[0] ? Number(s.dialect.readJson(rows[0].value)) : 0;
}

/** Moves the revision on; run it in the transaction of the change. */
export async function bumpRevision(s: Scope, key: string): Promise<void> {
  const next = (await readRevision(s, key)) + 1;
  await s.run("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, s.dialect.json(next)]);
}
