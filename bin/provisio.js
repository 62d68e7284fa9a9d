#!/usr/bin/env -S node --no-node-snapshot
// --no-node-snapshot: isolated-vm (script provisions) requires it on Node 20 and later.
// The compiled CLI lives in dist/; `npm install` builds it (prepare) and `npm start` rebuilds it.
import("../dist/src/cli/main.js").then((m) => m.main(process.argv)).catch((err) => {
  if (err && err.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/src/cli/main.js")) {
    console.error("provisio: not built yet; run `npm run build` (or `npm install`) first");
  } else {
    console.error(err);
  }
  process.exitCode = 1;
});
