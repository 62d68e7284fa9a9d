// One extension process (extensions.ts forks a few and reuses them): loads the operator's modules from
// the extensions folder as GenieACS operators write them (CommonJS, `exports.fn = function (args,
// callback)`; a function that returns a promise is awaited instead), and runs one call per message.

import { createRequire } from "node:module";
import { join } from "node:path";

interface Call {
  id: number;
  file: string;
  fn: string;
  args: unknown[];
}

const dir = process.argv[2] ?? ".";
const load = createRequire(join(dir, "index.js"));

function answer(id: number, err: unknown, value?: unknown): void {
  if (err !== null && err !== undefined) {
    process.send?.({ id, ok: false, message: err instanceof Error ? err.message : String(err) });
    return;
  }
  let copy: unknown = null;
  try {
    copy = value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
  } catch (e) {
    process.send?.({ id, ok: false, message: `its result cannot be sent as JSON: ${(e as Error).message}` });
    return;
  }
  process.send?.({ id, ok: true, value: copy });
}

process.on("message", (m: Call) => {
  let settled = false;
  const done = (err: unknown, value?: unknown) => {
    if (settled) return;
    settled = true;
    answer(m.id, err, value);
  };
  try {
    const mod = load(join(dir, m.file)) as Record<string, unknown>;
    const f = Object.prototype.hasOwnProperty.call(mod, m.fn) ? mod[m.fn] : undefined;
    if (typeof f !== "function") throw new Error(`${m.file} exports no function ${m.fn}`);
    const r = (f as (args: unknown[], cb: typeof done) => unknown)(m.args, done);
    if (r !== null && typeof r === "object" && typeof (r as Promise<unknown>).then === "function") (r as Promise<unknown>).then((v) => done(null, v), (e: unknown) => done(e ?? new Error("rejected")));
  } catch (err) {
    done(err ?? new Error("threw"));
  }
});
