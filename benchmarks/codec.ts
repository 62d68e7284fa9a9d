// `npm run bench:codec`: parse and serialize throughput of the CWMP codec, side by side in the same
// run with saxes and fast-xml-parser reading the same bytes into plain objects.
//
// "provisio parse (typed)" is what the ACS uses: full envelopes to typed messages, with values checked
// against their types. "general path only" turns off the fast reader for ParameterValueStruct lists
// (src/cwmp/methods/fast-parameter-list.ts), to show what it is worth.
//
// Work: an Inform with 30 parameters and a GetParameterValuesResponse with 1,000 parameters. Each
// contender runs for a fixed time after a warm-up; we report messages/s, MB/s, latency percentiles of
// single parses, and the heap in use. Options: --seconds N (per contender, default 2), --json.

import { XMLParser } from "fast-xml-parser";
import { SaxesParser } from "saxes";
import { parseCwmp, serializeEnvelope, type CwmpEnvelope } from "../src/cwmp/index.js";
import { gpvResponseEnvelope, informEnvelope } from "./support/envelopes.js";
import { throughput } from "./support/throughput.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

interface Result {
  payload: string;
  contender: string;
  bytes: number;
  msgsPerSec: number;
  mbPerSec: number;
  p50us: number;
  p99us: number;
}

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf("--seconds") + 1]) || 2;
const asJson = args.includes("--json");

interface PlainNode {
  name: string;
  attributes: Record<string, string>;
  children: PlainNode[];
  text: string;
}

function saxesParse(text: string, xmlns: boolean): PlainNode {
  const parser = new SaxesParser({ xmlns });
  const root: PlainNode = { name: "#document", attributes: {}, children: [], text: "" };
  const stack: PlainNode[] = [root];
  parser.on("opentag", (tag) => {
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(tag.attributes)) attributes[k] = typeof v === "string" ? v : v.value;
    const node: PlainNode = { name: tag.name, attributes, children: [], text: "" };
    stack[stack.length - 1]!.children.push(node);
    stack.push(node);
  });
  parser.on("text", (t) => {
    stack[stack.length - 1]!.text += t;
  });
  parser.on("closetag", () => {
    stack.pop();
  });
  parser.write(text).close();
  return root;
}

function measure(payload: string, contender: string, bytes: Buffer, run: () => unknown): Result {
  const t = throughput(run, bytes.length, seconds);
  return { payload, contender, bytes: bytes.length, msgsPerSec: t.perSec, mbPerSec: t.mbPerSec, p50us: t.p50us, p99us: t.p99us };
}

function benchPayload(name: string, env: CwmpEnvelope): Result[] {
  const text = serializeEnvelope(env);
  const bytes = Buffer.from(text, "utf8");
  const fxp = new XMLParser({ ignoreAttributes: false, processEntities: true });
  const results: Result[] = [];
  results.push(measure(name, "provisio parse (typed)", bytes, () => parseCwmp(bytes)));
  results.push(measure(name, "provisio parse, general path only", bytes, () => parseCwmp(bytes, { fastPaths: false })));
  results.push(measure(name, "saxes (plain objects)", bytes, () => saxesParse(bytes.toString("utf8"), false)));
  results.push(measure(name, "saxes xmlns (plain objects)", bytes, () => saxesParse(bytes.toString("utf8"), true)));
  results.push(measure(name, "fast-xml-parser (plain objects)", bytes, () => fxp.parse(bytes.toString("utf8"))));
  const parsed = parseCwmp(bytes).envelopes[0]!;
  results.push(measure(name, "provisio serialize", bytes, () => serializeEnvelope(parsed)));
  return results;
}

function main(): void {
  const results = [...benchPayload("Inform, 30 parameters", informEnvelope()), ...benchPayload("GetParameterValuesResponse, 1000 parameters", gpvResponseEnvelope())];
  const heapMb = process.memoryUsage().heapUsed / 1e6;
  if (asJson) {
    console.log(JSON.stringify({ seconds, node: process.version, heapMb, results }, null, 2));
    return;
  }
  console.log(`CWMP codec benchmark (node ${process.version}, ${seconds}s per contender after 0.3s warm-up)\n`);
  console.log("| payload | contender | bytes | msgs/s | MB/s | p50 µs | p99 µs | vs saxes |");
  console.log("|---|---|---:|---:|---:|---:|---:|---:|");
  for (const r of results) {
    const saxes = results.find((x) => x.payload === r.payload && x.contender === "saxes (plain objects)")!;
    console.log(
      `| ${r.payload} | ${r.contender} | ${r.bytes} | ${r.msgsPerSec.toFixed(0)} | ${r.mbPerSec.toFixed(1)} | ${r.p50us.toFixed(1)} | ${r.p99us.toFixed(1)} | ${(r.mbPerSec / saxes.mbPerSec).toFixed(2)}× |`,
    );
  }
  console.log(`\nheap in use at the end: ${heapMb.toFixed(1)} MB`);
}

main();
