// Loaded with `node --import .../gc-probe.js?out=FILE` into a server under benchmark (machine.ts,
// gcProbeArgs): adds up the time its garbage collections took (perf_hooks) and writes the total, in ms,
// to FILE four times a second when it moved, so that the benchmark can read it for each measured window.
// The file stays open and is written in place, a fixed width: opening, truncating and closing it at each
// write (writeFileSync) held the server's event loop for as long as the file system took, up to
// milliseconds on a busy disk, and showed in the ACS's profile as 2% of its busy time.

import { openSync, writeSync } from "node:fs";
import { PerformanceObserver } from "node:perf_hooks";

const out = new URL(import.meta.url).searchParams.get("out");
if (out !== null) {
  let total = 0;
  let written = -1;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) total += e.duration;
  }).observe({ entryTypes: ["gc"] });
  const fd = openSync(out, "w");
  setInterval(() => {
    if (total === written) return;
    written = total;
    // Number() reads the padded text back (machine.ts gcMs).
    writeSync(fd, total.toFixed(3).padStart(24), 0);
  }, 250).unref();
}
