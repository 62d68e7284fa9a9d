import { test } from "node:test";
import assert from "node:assert/strict";
import { ModelError, Path, PathCache, checkPath, parsePath, pathMatches, toTemplate } from "../../src/model/index.js";

test("parses a parameter path into segments", () => {
  const p = parsePath("Device.WiFi.SSID.3.SSID");
  assert.deepEqual(p.segments, ["Device", "WiFi", "SSID", "3", "SSID"]);
  assert.equal(p.length, 5);
  assert.equal(p.isObject, false);
  assert.equal(p.isPattern, false);
  assert.equal(p.hasInstances, true);
  assert.equal(p.name, "SSID");
  assert.equal(p.rootName, "Device.");
  assert.equal(p.kind(3), "instance");
  assert.equal(p.kind(-1), "name");
  assert.equal(p.segment(-2), "3");
  assert.equal(p.segment(9), undefined);
  assert.equal(String(p), "Device.WiFi.SSID.3.SSID");
  assert.equal(JSON.stringify({ p }), '{"p":"Device.WiFi.SSID.3.SSID"}');
});

test("a trailing dot makes an object or partial path; the empty path is the root", () => {
  const o = parsePath("Device.WiFi.");
  assert.equal(o.isObject, true);
  assert.deepEqual(o.segments, ["Device", "WiFi"]);
  const root = parsePath("");
  assert.equal(root, Path.root);
  assert.equal(root.isRoot, true);
  assert.equal(root.isObject, true);
  assert.equal(root.name, "");
  assert.equal(root.parent(), undefined);
});

test("parent walks up one level and ends at the root", () => {
  const p = parsePath("Device.WiFi.SSID.3.SSID");
  const chain: string[] = [];
  for (let q: Path | undefined = p; q !== undefined; q = q.parent()) chain.push(q.text);
  assert.deepEqual(chain, ["Device.WiFi.SSID.3.SSID", "Device.WiFi.SSID.3.", "Device.WiFi.SSID.", "Device.WiFi.", "Device.", ""]);
});

test("child, slice and asObject build related paths", () => {
  const wifi = parsePath("Device.WiFi.");
  assert.equal(wifi.child("SSID", true).child(2, true).child("Enable").text, "Device.WiFi.SSID.2.Enable");
  assert.equal(parsePath("Device.A.B.C").slice(2).text, "Device.A.");
  assert.equal(parsePath("Device.A.B.C").slice(0), Path.root);
  assert.equal(parsePath("Device.A").asObject().text, "Device.A.");
  assert.throws(() => wifi.child("bad name"), (e: unknown) => e instanceof ModelError && e.code === "PATH_INVALID");
  assert.throws(() => Path.root.child(1), ModelError);
});

test("rejects malformed names with a reason", () => {
  const cases: Array<[string, RegExp]> = [
    ["Device..WiFi", /empty segment/],
    [".Device", /empty segment/],
    ["Device.Wi Fi", /holds " "/],
    ["Device.WiFi.SSID.01.SSID", /leading zero/],
    ["Device.WiFi.SSID.1x", /neither a name nor an instance/],
    ["1.Device", /cannot start with an instance/],
    ["Device.*b", /must stand alone/],
    ["Device.a*b", /holds "\*"/],
    ["Device.{j}.X", /is not "\{i\}"/],
    ["Device.[unterminated.X", /\[alias\]/],
    ["Device.-x", /does not start with a letter/],
  ];
  for (const [text, reason] of cases) {
    assert.match(checkPath(text) ?? "", reason, text);
    assert.throws(() => parsePath(text), (e: unknown) => e instanceof ModelError && e.code === "PATH_INVALID" && e.message.includes(JSON.stringify(text)));
    assert.equal(Path.tryParse(text), undefined);
  }
});

test("accepts vendor names, hyphens, aliases and instance 0", () => {
  for (const ok of ["InternetGatewayDevice.X_HUAWEI_PortalManagement.PortalUrl-Computer", "Device.WiFi.SSID.[cpe-main].SSID", "Device.X_0.1.", "Device.A.0.B", "_Vendor.X"]) {
    assert.equal(checkPath(ok), undefined, ok);
  }
  assert.equal(parsePath("Device.WiFi.SSID.[cpe-main].SSID").kind(3), "alias");
});

test("concrete parsing refuses wildcards and placeholders", () => {
  assert.match(checkPath("Device.WiFi.SSID.*.SSID", { concrete: true }) ?? "", /pattern/);
  assert.match(checkPath("Device.WiFi.SSID.{i}.SSID", { concrete: true }) ?? "", /pattern/);
  assert.equal(checkPath("Device.WiFi.SSID.1.SSID", { concrete: true }), undefined);
});

test("matches concrete paths against * and {i} patterns", () => {
  assert.equal(pathMatches("Device.WiFi.SSID.3.SSID", "Device.WiFi.SSID.*.SSID"), true);
  assert.equal(pathMatches("Device.WiFi.SSID.3.SSID", "Device.WiFi.SSID.{i}.SSID"), true);
  assert.equal(pathMatches("Device.WiFi.SSID.[main].SSID", "Device.WiFi.SSID.{i}.SSID"), true);
  // {i} stands for instances only; * for any segment.
  assert.equal(pathMatches("Device.WiFi.Radio.3.Channel", "Device.{i}.Radio.3.Channel"), false);
  assert.equal(pathMatches("Device.WiFi.Radio.3.Channel", "Device.*.Radio.*.Channel"), true);
  // Length and object-ness must agree.
  assert.equal(pathMatches("Device.WiFi.SSID.3.", "Device.WiFi.SSID.*.SSID"), false);
  assert.equal(pathMatches("Device.WiFi.SSID.3.", "Device.WiFi.SSID.*."), true);
  assert.equal(pathMatches("Device.WiFi.SSID.3", "Device.WiFi.SSID.*."), false);
  assert.equal(pathMatches("Device.WiFi.SSID.3.SSID.X", "Device.WiFi.SSID.*.SSID"), false);
  assert.equal(pathMatches("Device.WiFi.SSID.3.BSSID", "Device.WiFi.SSID.*.SSID"), false);
  // A template matches a * pattern too.
  assert.equal(pathMatches("Device.WiFi.SSID.{i}.SSID", "Device.WiFi.SSID.*.SSID"), true);
});

test("startsWith tells whether a path lies at or below an object (pattern) prefix", () => {
  const p = parsePath("Device.WiFi.SSID.3.SSID");
  assert.equal(p.startsWith("Device.WiFi."), true);
  assert.equal(p.startsWith("Device.WiFi.SSID.*."), true);
  assert.equal(p.startsWith("Device.WiFi.SSID.4."), false);
  assert.equal(p.startsWith(""), true);
  assert.equal(p.startsWith("Device.WiFi.SSID.3.SSID"), true);
  assert.equal(p.startsWith("Device.WiFi.SSID.3.SSID."), false);
  assert.equal(parsePath("Device.WiFi.").startsWith("Device.WiFi."), true);
  assert.equal(parsePath("Device.WiFi").startsWith("Device.WiFi."), false);
  assert.equal(parsePath("Device.WiFiX.").startsWith("Device.WiFi."), false);
});

test("converts a concrete path to its Broadband Forum template and back", () => {
  assert.equal(toTemplate("Device.WiFi.SSID.3.SSID"), "Device.WiFi.SSID.{i}.SSID");
  assert.equal(toTemplate("Device.IP.Interface.2.IPv4Address.10."), "Device.IP.Interface.{i}.IPv4Address.{i}.");
  assert.equal(toTemplate("Device.WiFi.SSID.[main].SSID"), "Device.WiFi.SSID.{i}.SSID");
  const plain = parsePath("Device.DeviceInfo.SoftwareVersion");
  assert.equal(plain.toTemplate(), plain);
  const t = parsePath("Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress");
  assert.equal(t.fill([2, 7]).text, "Device.IP.Interface.2.IPv4Address.7.IPAddress");
  assert.deepEqual(parsePath("Device.IP.Interface.2.IPv4Address.7.IPAddress").instanceNumbers(), [2, 7]);
  assert.throws(() => t.fill([1]), (e: unknown) => e instanceof ModelError && e.code === "PATH_INVALID");
  assert.throws(() => t.fill([1, 2, 3]), ModelError);
});

test("PathCache interns: the same text gives the same object", () => {
  const cache = new PathCache(2);
  const a = cache.get("Device.A");
  assert.equal(cache.get("Device.A"), a);
  cache.get("Device.B");
  cache.get("Device.C"); // over the bound: the cache starts again
  assert.equal(cache.size, 1);
  assert.notEqual(cache.get("Device.A"), a);
  assert.throws(() => cache.get("Device..A"), ModelError);
});

test("equals compares by text", () => {
  assert.equal(parsePath("Device.A.").equals("Device.A."), true);
  assert.equal(parsePath("Device.A.").equals(parsePath("Device.A")), false);
});
