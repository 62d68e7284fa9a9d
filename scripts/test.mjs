// `npm test`: build, type-check (tsc), lint, then node's test runner over dist/test.
import { spawnSync } from "node:child_process";

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run("npx", ["tsc", "-p", "tsconfig.json"]);
run("npx", ["eslint", "--max-warnings", "0", "."]);
const extra = process.argv.slice(2);
run(process.execPath, ["--test", "--test-concurrency=2", ...(extra.length ? extra : ["dist/test/"])]);
