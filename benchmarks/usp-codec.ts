// `npm run bench:usp-codec`: decode and encode throughput of USP Records carrying Msgs (src/usp/),
// side by side in the same run with two baselines on the same data:
//
// - "protobufjs decode (raw)": protobufjs's generated decoders alone, Record then Msg, into its own
//   message objects; no conversion to the typed form, no checks. The floor the codec builds on.
// - "JSON.parse": the same Record and Msg as JSON text (bytes as base64, uint64 as strings).
//
// "provisio decode" is what an endpoint does with bytes from an MTP: decodeRecord, then decodeMsg of
// its payload, into typed objects checked against TR-369's rules. "provisio encode" is the reverse.
//
// Work: a Get request (2 paths), a Set (20 parameters on 2 objects), and a GetResp of 1,000 parameters
// over 100 instances, each in a NoSessionContext Record. Each contender runs for a fixed time after a
// warm-up; we report messages/s, MB/s, latency percentiles of single calls, and the heap in use.
// Options: --seconds N (per contender, default 2), --json.

import { decodeMsg, decodeRecord, encodeMsg, encodeRecord, noSessionContextRecord, uspMsg, type UspMsg } from "../src/usp/index.js";
import { MsgType, RecordType } from "../src/usp/schema/index.js";
import { throughput, type Throughput } from "./support/throughput.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf("--seconds") + 1]) || 2;
const asJson = args.includes("--json");

const CONTROLLER = "proto::controller-1";
const AGENT = "os::012345-CPE-SN0001";

function getMsg(): UspMsg {
  return uspMsg("get", "get-1", { paramPaths: ["Device.DeviceInfo.", 'Device.IP.Interface.[Type=="Normal"].Stats.'], maxDepth: 0 });
}

function setMsg(): UspMsg {
  const paramSettings = (n: number) => Array.from({ length: n }, (_, i) => ({ param: `X_Param${i}`, value: `value-${i}`, required: i % 2 === 0 }));
  return uspMsg("set", "set-1", {
    allowPartial: false,
    updateObjs: [
      { objPath: "Device.WiFi.SSID.1.", paramSettings: paramSettings(10) },
      { objPath: 'Device.WiFi.AccessPoint.[SSIDReference=="Device.WiFi.SSID.1"].', paramSettings: paramSettings(10) },
    ],
  });
}

function getRespMsg(): UspMsg {
  return uspMsg("getResp", "get-2", {
    reqPathResults: [
      {
        requestedPath: "Device.Hosts.Host.*.",
        errCode: 0,
        errMsg: "",
        resolvedPathResults: Array.from({ length: 100 }, (_, i) => ({
          resolvedPath: `Device.Hosts.Host.${i + 1}.`,
          resultParams: Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`X_Param${k}`, k % 2 ? String(i * 7919 + k) : `value-${i}-${k} with some text`])),
        })),
      },
    ],
  });
}

/** JSON of the same Record and Msg: bytes as base64, bigints as strings. */
function asJsonText(msg: UspMsg): string {
  return JSON.stringify({ ...noSessionContextRecord(CONTROLLER, AGENT, new Uint8Array()), noSessionContext: { msg } }, (_k, v: unknown) =>
    typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v,
  );
}

interface Row extends Throughput {
  payload: string;
  contender: string;
  bytes: number;
}

function benchPayload(name: string, msg: UspMsg): Row[] {
  const record = encodeRecord(noSessionContextRecord(CONTROLLER, AGENT, encodeMsg(msg)));
  const json = asJsonText(msg);
  const rows: Row[] = [];
  const add = (contender: string, bytes: number, fn: () => unknown) => rows.push({ payload: name, contender, bytes, ...throughput(fn, bytes, seconds) });
  add("provisio decode (typed, checked)", record.length, () => {
    const r = decodeRecord(record);
    if (r.recordType === "noSessionContext") decodeMsg(r.noSessionContext.payload);
  });
  add("protobufjs decode (raw)", record.length, () => {
    const r = RecordType.decode(record) as unknown as { noSessionContext: { payload: Uint8Array } };
    MsgType.decode(r.noSessionContext.payload);
  });
  add("JSON.parse (same data)", Buffer.byteLength(json), () => JSON.parse(json));
  add("provisio encode (typed, checked)", record.length, () => encodeRecord(noSessionContextRecord(CONTROLLER, AGENT, encodeMsg(msg))));
  add("JSON.stringify (same data)", Buffer.byteLength(json), () => asJsonText(msg));
  return rows;
}

function main(): void {
  const rows = [...benchPayload("Get, 2 paths", getMsg()), ...benchPayload("Set, 20 parameters", setMsg()), ...benchPayload("GetResp, 1000 parameters", getRespMsg())];
  const heapMb = process.memoryUsage().heapUsed / 1e6;
  if (asJson) {
    console.log(JSON.stringify({ seconds, node: process.version, heapMb, rows }, null, 2));
    return;
  }
  console.log(`USP codec benchmark (node ${process.version}, ${seconds}s per contender after 0.3s warm-up)\n`);
  console.log("| payload | contender | bytes | msgs/s | MB/s | p50 µs | p99 µs | msgs/s vs protobufjs raw |");
  console.log("|---|---|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const base = rows.find((x) => x.payload === r.payload && x.contender === "protobufjs decode (raw)")!;
    console.log(`| ${r.payload} | ${r.contender} | ${r.bytes} | ${r.perSec.toFixed(0)} | ${r.mbPerSec.toFixed(1)} | ${r.p50us.toFixed(1)} | ${r.p99us.toFixed(1)} | ${(r.perSec / base.perSec).toFixed(2)}× |`);
  }
  console.log(`\nheap in use at the end: ${heapMb.toFixed(1)} MB`);
}

main();
