// Loaded with `node --import .../gc-probe.js?out=FILE` into a server under benchmark (machine.ts,
// gcProbeArgs): adds up the time its garbage collections took (perf_hooks) and writes the total, in ms,
// to FILE four times a second, so that the benchmark can read it for each measured window.

import { writeFileSync } from "node:fs";
import { PerformanceObserver } from "node:perf_hooks";

const out = new URL(import.meta.url).searchParams.get("out");
if (out !== null) {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) total += e.duration;
  }).observe({ entryTypes: ["gc"] });
  setInterval(() => writeFileSync(out, String(total)), 250).unref();
}
