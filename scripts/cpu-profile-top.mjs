#!/usr/bin/env node
// Summarizes V8 CPU profiles (`node --cpu-prof`, or `npm run bench:sessions -- --cpu-prof DIR`): the
// functions with the most self time, as a share of the profile's samples (idle excluded), and the same
// grouped by file, so that profiles of two builds can be compared by eye.
//
//   node scripts/cpu-profile-top.mjs [--top 30] [--sessions N] FILE.cpuprofile...
//
// With --sessions N (the sessions the profiled process served), each row also gives its CPU per session.

import { readFileSync } from "node:fs";

const argv = process.argv.slice(2);
const USAGE = "usage: node scripts/cpu-profile-top.mjs [--top 30] [--sessions N] FILE.cpuprofile...";
if (argv.includes("--help") || argv.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
const flag = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  if (i === -1) return dflt;
  const v = argv[i + 1];
  argv.splice(i, 2);
  return Number(v);
};
const top = flag("top", 30);
const sessions = flag("sessions", NaN);
if (argv.length === 0) {
  console.error(USAGE);
  process.exit(2);
}

const byFunction = new Map();
const byFile = new Map();
let busyUs = 0;
let idleUs = 0;
for (const file of argv) {
  const p = JSON.parse(readFileSync(file, "utf8"));
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  // timeDeltas[i] is the time before sample i; the sample's node gets the time until the next one.
  const selfUs = new Map();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + dt);
  }
  for (const [id, us] of selfUs) {
    const f = nodes.get(id).callFrame;
    if (f.functionName === "(idle)") {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const where = f.url ? f.url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, "$1/") : "(native)";
    const key = `${f.functionName || "(anonymous)"}  ${where}:${f.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const fileKey = f.url ? where : f.functionName;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
  }
}

const print = (title, map) => {
  console.log(`\n${title}\n`);
  console.log(`| self % | self ms${Number.isNaN(sessions) ? "" : " | µs per session"} | where |`);
  console.log(`|---:|---:|${Number.isNaN(sessions) ? "" : "---:|"}---|`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const perSession = Number.isNaN(sessions) ? "" : ` ${(us / sessions).toFixed(1)} |`;
    console.log(`| ${((100 * us) / busyUs).toFixed(1)} | ${(us / 1000).toFixed(0)} |${perSession} ${key.replaceAll("|", "\\|")} |`);
  }
};
console.log(`busy ${(busyUs / 1000).toFixed(0)} ms, idle ${(idleUs / 1000).toFixed(0)} ms${Number.isNaN(sessions) ? "" : `; ${sessions} sessions: ${(busyUs / sessions / 1000).toFixed(3)} ms busy per session`}`);
print("Top functions by self time", byFunction);
print("Self time by file", byFile);
