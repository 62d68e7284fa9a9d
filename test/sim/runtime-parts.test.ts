// The runtime's parts on their own: the deadline heap, the latency histogram, the manual clock, model
// loaders, HTTP transfers with their fault codes, the CWMP HTTP client and the Connection Request
// listener, against small servers started here.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { after, before, describe, it, test } from "node:test";
import { createChallenge, digestHa1, parseAuthorization, verifyDigest } from "../../src/auth/index.js";
import { parseBbfXml, parseDumpCsv } from "../../src/model/index.js";
import { Cpe } from "../../src/sim/cpe.js";
import { makeIdentity } from "../../src/sim/identity.js";
import { bbfSource, dumpModelSource, withValues } from "../../src/sim/loaders.js";
import { compileModel } from "../../src/sim/model.js";
import { FILE_TYPE, type TransferJob } from "../../src/sim/transfers.js";
import { DeadlineHeap, HttpConnectionRequestListener, LatencyHistogram, loadModel, ManualClock, performTransfer, SimSetupError, type WakeableDevice } from "../../src/sim/runtime/index.js";
import { CwmpHttpSession } from "../../src/sim/runtime/http-session.js";
import { TransportError } from "../../src/sim/runtime/failures.js";
import { FaultPicker } from "../../src/sim/runtime/faults.js";
import { closedPort, connectionRequest, startFileServer, type FileServer } from "./support/runtime.js";

test("the deadline heap gives devices in deadline order as their deadlines move", () => {
  const n = 500;
  const heap = new DeadlineHeap(n);
  const ref = new Map<number, number>();
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let step = 0; step < 5_000; step++) {
    const i = Math.floor(rand() * n);
    const r = rand();
    if (r < 0.15) {
      heap.set(i, undefined);
      ref.delete(i);
    } else {
      const at = Math.floor(rand() * 10_000);
      heap.set(i, at);
      ref.set(i, at);
    }
    if (step % 500 === 0) {
      const top = heap.peek();
      const min = Math.min(...ref.values());
      assert.equal(top?.at, min);
    }
  }
  assert.equal(heap.size, ref.size);
  const order: Array<[number, number]> = [];
  for (let i = heap.popDue(Infinity); i !== undefined; i = heap.popDue(Infinity)) order.push([ref.get(i)!, i]);
  const expected = [...ref].map(([i, at]) => [at, i] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  assert.deepEqual(order, expected);
  assert.equal(heap.popDue(Infinity), undefined);
});

test("popDue returns only what is due", () => {
  const heap = new DeadlineHeap(3);
  heap.set(0, 30);
  heap.set(1, 10);
  heap.set(2, 20);
  assert.equal(heap.popDue(5), undefined);
  assert.equal(heap.popDue(20), 1);
  assert.equal(heap.popDue(20), 2);
  assert.equal(heap.popDue(20), undefined);
  assert.equal(heap.get(0), 30);
});

test("latency percentiles are within a few percent of the exact ones", () => {
  const h = new LatencyHistogram();
  const values: number[] = [];
  let x = 1;
  for (let i = 0; i < 10_000; i++) {
    x = (x * 48271) % 2147483647;
    const v = 0.05 + (x / 2147483647) ** 3 * 2_000;
    values.push(v);
    h.record(v);
  }
  values.sort((a, b) => a - b);
  for (const q of [0.5, 0.9, 0.99]) {
    const exact = values[Math.ceil(q * values.length) - 1]!;
    const got = h.quantile(q);
    assert.ok(Math.abs(got - exact) / exact < 0.04, `p${q * 100}: ${got} vs ${exact}`);
  }
  const s = h.summary();
  assert.equal(s.count, 10_000);
  assert.equal(s.max, Math.round(values.at(-1)! * 1000) / 1000);
  assert.deepEqual(new LatencyHistogram().summary(), { count: 0, mean: 0, min: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 });
});

test("the manual clock runs timers in time order, each at its own time", () => {
  const clock = new ManualClock(1_000);
  const seen: Array<[string, number]> = [];
  clock.setTimer(() => seen.push(["b", clock.now()]), 200);
  clock.setTimer(() => {
    seen.push(["a", clock.now()]);
    clock.setTimer(() => seen.push(["c", clock.now()]), 50);
  }, 100);
  const dropped = clock.setTimer(() => seen.push(["x", clock.now()]), 150);
  clock.clearTimer(dropped);
  clock.advance(160);
  assert.deepEqual(seen, [["a", 1_100], ["c", 1_150]]);
  assert.equal(clock.now(), 1_160);
  clock.advance(100);
  assert.deepEqual(seen.at(-1), ["b", 1_200]);
  assert.equal(clock.pending, 0);
});

test("fault picking follows the rate and the kinds asked for, the same for the same seed", () => {
  const picks = (seed: number) => {
    const p = new FaultPicker({ rate: 0.3, kinds: ["drop", "slow"] }, seed);
    return Array.from({ length: 1_000 }, () => p.pick());
  };
  const a = picks(1);
  assert.deepEqual(a, picks(1));
  assert.notDeepEqual(a, picks(2));
  const faulty = a.filter((k) => k !== undefined);
  assert.ok(faulty.length > 200 && faulty.length < 400, `${faulty.length} faults in 1000`);
  assert.deepEqual(new Set(faulty), new Set(["drop", "slow"]));
  assert.equal(new FaultPicker({ rate: 0 }, 1).pick(), undefined);
});

// ---- model loaders ----

const BBF = `<?xml version="1.0" encoding="UTF-8"?>
<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-8" spec="urn:example:test-1-0">
  <model name="Device:2.17">
    <object name="Device." access="readOnly" minEntries="1" maxEntries="1">
      <parameter name="RootDataModelVersion" access="readOnly"><syntax><string/></syntax></parameter>
      <parameter name="InterfaceNumberOfEntries" access="readOnly"><syntax><unsignedInt/></syntax></parameter>
    </object>
    <object name="Device.DeviceInfo." access="readOnly" minEntries="1" maxEntries="1">
      <parameter name="SerialNumber" access="readOnly"><syntax><string><size maxLength="64"/></string></syntax></parameter>
      <parameter name="SoftwareVersion" access="readOnly" forcedInform="true"><syntax><string/></syntax></parameter>
      <parameter name="UpTime" access="readOnly"><syntax><unsignedInt/></syntax></parameter>
    </object>
    <object name="Device.ManagementServer." access="readOnly" minEntries="1" maxEntries="1">
      <parameter name="URL" access="readWrite"><syntax><string/></syntax></parameter>
      <parameter name="PeriodicInformEnable" access="readWrite"><syntax><boolean/></syntax></parameter>
      <parameter name="PeriodicInformInterval" access="readWrite"><syntax><unsignedInt><range minInclusive="1"/></unsignedInt></syntax></parameter>
      <parameter name="ConnectionRequestURL" access="readOnly" forcedInform="true" activeNotify="forceDefaultEnabled"><syntax><string/></syntax></parameter>
    </object>
    <object name="Device.Interface.{i}." access="readWrite" minEntries="0" maxEntries="4" numEntriesParameter="InterfaceNumberOfEntries">
      <parameter name="Mode" access="readWrite"><syntax><string><enumeration value="Auto"/><enumeration value="Manual"/></string></syntax><default type="object" value="Auto"/></parameter>
      <parameter name="MTU" access="readWrite"><syntax><unsignedInt><range minInclusive="64" maxInclusive="1500"/></unsignedInt></syntax><default type="object" value="1500"/></parameter>
    </object>
  </model>
</dm:document>`;

test("a BBF data model becomes a device: types, ranges, enumerations, tables with a row, per-device identity", () => {
  const model = compileModel(bbfSource(parseBbfXml(BBF)));
  const cpe = (i: number) => new Cpe(model, makeIdentity(model.identityDefaults, { serialPrefix: "X" }, i), {});
  const a = cpe(0);
  const b = cpe(1);
  assert.equal(a.read("Device.DeviceInfo.SerialNumber"), "X000001");
  assert.equal(b.read("Device.DeviceInfo.SerialNumber"), "X000002");
  assert.equal(a.read("Device.Interface.1.Mode"), "Auto");
  assert.equal(a.read("Device.InterfaceNumberOfEntries"), "1");
  // No default in the data model: a working interval, not the range's minimum of 1 s.
  assert.equal(a.read("Device.ManagementServer.PeriodicInformInterval"), "3600");
  assert.equal(a.read("Device.ManagementServer.PeriodicInformEnable"), "true");
  assert.equal(model.paramAt("Device.Interface.{i}.MTU")?.constraints?.ranges?.[0]?.max, 1500);
  assert.deepEqual(model.paramAt("Device.Interface.{i}.Mode")?.constraints?.enumeration, ["Auto", "Manual"]);
  assert.equal(model.objectAt("Device.Interface.{i}.")?.maxEntries, 4);
  assert.deepEqual(model.forcedInform.map((p) => p.path).sort(), ["Device.DeviceInfo.SoftwareVersion", "Device.ManagementServer.ConnectionRequestURL"]);
  // UpTime counts from the boot.
  a.powerOn(1_000_000);
  assert.equal(a.read("Device.DeviceInfo.UpTime", 1_000_000 + 42_000), "42");
});

test("a BBF service model is refused with a clear message", () => {
  const xml = BBF.replace('name="Device:2.17"', 'name="VoiceService:2.0" isService="true"').replaceAll("Device.", "VoiceService.");
  const dm = parseBbfXml(xml);
  if (dm.isService) assert.throws(() => bbfSource(dm), /service data model/);
  else assert.fail("the loader did not read isService");
});

test("a device dump becomes a model whose devices differ by identity and keep the dumped values", () => {
  const csv = [
    "Parameter,Object,Writable,Value,Value type",
    "InternetGatewayDevice.,true,false,,",
    "InternetGatewayDevice.DeviceInfo.,true,false,,",
    "InternetGatewayDevice.DeviceInfo.SerialNumber,false,false,ZX0000123,xsd:string",
    "InternetGatewayDevice.DeviceInfo.ManufacturerOUI,false,false,00D09E,xsd:string",
    "InternetGatewayDevice.DeviceInfo.SoftwareVersion,false,false,3.2.1,xsd:string",
    "InternetGatewayDevice.DeviceInfo.UpTime,false,false,99999,xsd:unsignedInt",
    "InternetGatewayDevice.ManagementServer.,true,false,,",
    "InternetGatewayDevice.ManagementServer.PeriodicInformInterval,false,true,600,xsd:unsignedInt",
    "InternetGatewayDevice.LANDevice.,true,false,,",
    "InternetGatewayDevice.LANDevice.1.,true,false,,",
    "InternetGatewayDevice.LANDevice.1.Name,false,true,lan,xsd:string",
  ].join("\n");
  const source = dumpModelSource("gw.csv", parseDumpCsv(csv));
  assert.equal(source.identity?.serialPrefix, "ZX");
  assert.equal(source.identity?.oui, "00D09E");
  const model = compileModel(withValues(source, { "ManagementServer.PeriodicInformInterval": "60" }));
  const id = makeIdentity(model.identityDefaults, {}, 4);
  const cpe = new Cpe(model, id, {});
  assert.equal(cpe.read("InternetGatewayDevice.DeviceInfo.SerialNumber"), "ZX000005");
  assert.equal(cpe.read("InternetGatewayDevice.DeviceInfo.SoftwareVersion"), "3.2.1");
  assert.equal(cpe.read("InternetGatewayDevice.LANDevice.1.Name"), "lan");
  assert.equal(cpe.read("InternetGatewayDevice.ManagementServer.PeriodicInformInterval"), "60");
  assert.ok(model.forcedInform.some((p) => p.path === "InternetGatewayDevice.DeviceInfo.SoftwareVersion"));
  assert.throws(() => withValues(source, { "ManagementServer.Nope": "1" }), /no parameter InternetGatewayDevice.ManagementServer.Nope/);
});

test("loadModel names what is wrong with a model file", () => {
  assert.throws(() => loadModel({ file: "/no/such/file.xml" }), (e: unknown) => e instanceof SimSetupError && e.code === "SIM_MODEL_FILE" && /cannot read/.test(e.message));
  assert.throws(() => loadModel({ file: "model.txt" }), (e: unknown) => e instanceof SimSetupError && /\.xml.*\.csv/.test(e.message));
  assert.throws(() => loadModel({ builtin: "fridge" }), (e: unknown) => e instanceof SimSetupError && /tr181-gateway or tr098-gateway/.test(e.message));
  assert.equal(loadModel({ builtin: "tr098-gateway", values: { "ManagementServer.PeriodicInformInterval": "77" } }).baseValues.get("InternetGatewayDevice.ManagementServer.PeriodicInformInterval"), "77");
});

// ---- transfers ----

describe("transfers over HTTP", () => {
  let files: FileServer;
  let digestFiles: FileServer;
  const image = randomBytes(4096);
  const job = (over: Partial<TransferJob>): TransferJob => ({
    id: 1, direction: "download", url: "", username: "", password: "", fileType: FILE_TYPE.firmware, fileSize: 0, targetFileName: "", ...over,
  });
  const opts = { timeoutMs: 5_000, now: () => 1_700_000_000_000 };
  before(async () => {
    files = await startFileServer({ files: { "/fw.bin": image, "/short.bin": image }, truncate: ["/short.bin"] });
    digestFiles = await startFileServer({ files: { "/fw.bin": image, "/cfg.json": '{"a":"b"}' }, auth: { username: "u", password: "p", scheme: "Digest" } });
  });
  after(async () => {
    await files.close();
    await digestFiles.close();
  });

  it("downloads a file, with Digest credentials when the server asks, and checks FileSize", async () => {
    assert.deepEqual(await performTransfer(job({ url: `${files.url}/fw.bin`, fileSize: image.length }), opts), { ok: true, startTime: opts.now(), completeTime: opts.now() });
    const auth = await performTransfer(job({ url: `${digestFiles.url}/fw.bin`, username: "u", password: "p" }), opts);
    assert.equal(auth.ok, true);
    const config = await performTransfer(job({ url: `${digestFiles.url}/cfg.json`, username: "u", password: "p", fileType: FILE_TYPE.config }), opts);
    assert.ok(config.ok && config.content !== undefined && Buffer.from(config.content).toString() === '{"a":"b"}');
  });

  it("reports the standard's fault codes", async () => {
    const fault = async (j: TransferJob) => {
      const r = await performTransfer(j, opts);
      return r.ok ? 0 : r.faultCode;
    };
    assert.equal(await fault(job({ url: `http://127.0.0.1:${await closedPort()}/fw.bin` })), 9015);
    assert.equal(await fault(job({ url: `${digestFiles.url}/fw.bin`, username: "u", password: "wrong" })), 9012);
    assert.equal(await fault(job({ url: `${digestFiles.url}/fw.bin` })), 9012);
    assert.equal(await fault(job({ url: `${files.url}/missing.bin` })), 9016);
    assert.equal(await fault(job({ url: `${files.url}/fw.bin`, fileSize: image.length + 1 })), 9018);
    assert.equal(await fault(job({ url: `${files.url}/short.bin` })), 9017);
    assert.equal(await fault(job({ direction: "upload", url: `http://127.0.0.1:${await closedPort()}/up`, body: "x" })), 9011);
    assert.equal(await fault(job({ direction: "upload", url: `${digestFiles.url}/up`, body: "x" })), 9012);
  });

  it("uploads with PUT, credentials answered", async () => {
    const r = await performTransfer(job({ direction: "upload", url: `${digestFiles.url}/logs/1.txt`, username: "u", password: "p", body: "log line\n", contentType: "text/plain", fileType: FILE_TYPE.log }), opts);
    assert.equal(r.ok, true);
    assert.equal(digestFiles.uploads.get("/logs/1.txt")?.toString(), "log line\n");
    assert.ok(digestFiles.requests.includes("PUT /logs/1.txt"));
  });
});

// ---- the CWMP HTTP client ----

test("a CWMP session answers Digest, keeps one connection, returns cookies and follows a redirect", async () => {
  const secret = randomBytes(16);
  const realm = "acs";
  const seen: Array<{ path: string; socket: number; cookie: string | undefined; auth: boolean; body: string }> = [];
  const sockets = new Map<Socket, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (!sockets.has(req.socket)) sockets.set(req.socket, sockets.size + 1);
      const parsed = parseAuthorization(req.headers.authorization);
      const ok = parsed?.kind === "digest" && verifyDigest({ authorization: parsed, method: "POST", ha1: digestHa1("cpe", realm, "pw"), secret, realm, now: Date.now(), uri: req.url ?? "" }).ok;
      seen.push({ path: req.url ?? "", socket: sockets.get(req.socket)!, cookie: req.headers.cookie, auth: ok, body: Buffer.concat(chunks).toString() });
      if (req.url === "/old") return void res.writeHead(307, { Location: "/acs", "Content-Length": "0" }).end();
      const session = /sid=s1/.test(req.headers.cookie ?? "");
      if (!session && !ok) return void res.writeHead(401, { "WWW-Authenticate": createChallenge({ realm, now: Date.now(), secret, nonceTtlMs: 60_000 }), "Content-Length": "0" }).end();
      if (!session) return void res.writeHead(200, { "Set-Cookie": "sid=s1; Path=/; HttpOnly", "Content-Length": "2" }).end("ok");
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const exchanges: number[] = [];
    const s = new CwmpHttpSession({ url: `${url}/old`, username: "cpe", password: "pw", timeoutMs: 5_000, onExchange: (ms) => exchanges.push(ms) });
    assert.equal((await s.post("<inform/>")).status, 200);
    assert.equal((await s.post("")).status, 204);
    assert.equal((await s.post("")).status, 204);
    s.close();
    assert.deepEqual(seen.map((x) => [x.path, x.auth, x.cookie ?? null]), [
      ["/old", false, null],
      ["/acs", false, null],
      ["/acs", true, null],
      ["/acs", false, "sid=s1"],
      ["/acs", false, "sid=s1"],
    ]);
    assert.deepEqual(new Set(seen.map((x) => x.socket)), new Set([1]), "every request of the session on one connection");
    assert.equal(seen[2]!.body, "<inform/>");
    assert.equal(exchanges.length, 5);

    const basicServer = await startFileServer({ files: {}, auth: { username: "cpe", password: "pw", scheme: "Basic" } });
    const basic = new CwmpHttpSession({ url: `${basicServer.url}/acs`, username: "cpe", password: "pw", timeoutMs: 5_000 });
    assert.equal((await basic.post("<inform/>")).status, 201, "answered with Basic when that is all the server offers");
    assert.equal(basicServer.uploads.get("/acs")?.toString(), "<inform/>");
    basic.close();
    await basicServer.close();

    const wrong = new CwmpHttpSession({ url: `${url}/acs`, username: "cpe", password: "nope", timeoutMs: 5_000 });
    await assert.rejects(wrong.post("<inform/>"), (e: unknown) => e instanceof TransportError && e.code === "auth");
    wrong.close();
    const refused = new CwmpHttpSession({ url: `http://127.0.0.1:${await closedPort()}/`, username: "", password: "", timeoutMs: 5_000 });
    await assert.rejects(refused.post(""), (e: unknown) => e instanceof TransportError && e.code === "connect");
    refused.close();
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

// ---- the Connection Request listener ----

test("the Connection Request listener: Digest per device, 200 then the wake-up, 401, 503, 404 and 405", async () => {
  const woken: string[] = [];
  let admit = true;
  const device = (name: string, password: string): WakeableDevice => ({
    connectionRequestCredentials: () => ({ username: name, password }),
    admitConnectionRequest: () => admit,
    wake: () => woken.push(name),
  });
  const devices = new Map([["/cr/a", device("a", "pa")], ["/cr/b", device("b", "pb")]]);
  const results: string[] = [];
  const listener = await HttpConnectionRequestListener.start({ find: (k) => devices.get(k) }, { onResult: (r) => results.push(r) });
  const base = `http://127.0.0.1:${listener.port}`;
  try {
    assert.deepEqual(await connectionRequest(`${base}/cr/a`, { username: "a", password: "pa" }), [401, 200]);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(woken, ["a"]);
    assert.deepEqual(await connectionRequest(`${base}/cr/a`, { username: "a", password: "pb" }), [401, 401]);
    assert.deepEqual(await connectionRequest(`${base}/cr/b`, { username: "a", password: "pa" }), [401, 401], "another device's credentials");
    admit = false;
    assert.deepEqual(await connectionRequest(`${base}/cr/b`, { username: "b", password: "pb" }), [401, 503]);
    assert.deepEqual(await connectionRequest(`${base}/cr/zzz`, { username: "b", password: "pb" }), [404]);
    const post = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/cr/a`, { method: "POST", agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(post, 405);
    assert.deepEqual(woken, ["a"]);
    assert.deepEqual(results, ["refused", "accepted", "refused", "refused", "refused", "refused", "refused", "unavailable", "unknown"]);
  } finally {
    await listener.close();
  }
});
