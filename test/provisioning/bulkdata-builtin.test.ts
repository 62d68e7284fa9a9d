// builtin:bulkdata: the profile's declarations on TR-181 and TR-098 roots, found by Alias and made
// with AddObject, one Parameter row per reference, and the arguments it refuses.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { builtinProvision } from "../../src/provisioning/builtins.js";

describe("builtin:bulkdata", () => {
  it("declares a profile by its Alias, reporting the parameters over HTTP, on either root", () => {
    for (const root of ["Device.", "InternetGatewayDevice."]) {
      const r = builtinProvision("builtin:bulkdata", { parameters: ["DeviceInfo.UpTime", `${root}Ethernet.`], interval: 60, encoding: "CSV", format: "ParameterPerColumn", timestamp: "ISO-8601" }, root);
      assert.ok(!("error" in r), JSON.stringify(r));
      const profile = `${root}BulkData.Profile.[Alias=provisio].`;
      assert.deepEqual(r.bulkData, [profile]);
      assert.deepEqual(r.declarations, [
        { path: `${root}BulkData.Enable`, value: true },
        { path: profile, instances: 1 },
        { path: `${profile}Protocol`, value: "HTTP" },
        { path: `${profile}EncodingType`, value: "CSV" },
        { path: `${profile}ReportingInterval`, value: 60 },
        { path: `${profile}CSVEncoding.ReportFormat`, value: "ParameterPerColumn" },
        { path: `${profile}CSVEncoding.RowTimestamp`, value: "ISO-8601" },
        { path: `${profile}Parameter.[Reference=${root}DeviceInfo.UpTime].`, instances: 1 },
        { path: `${profile}Parameter.[Reference=${root}Ethernet.].`, instances: 1 },
        { path: `${profile}Enable`, value: true },
      ]);
    }
  });

  it("defaults to JSON NameValuePair with Unix-Epoch times every 300 s", () => {
    const r = builtinProvision("builtin:bulkdata", { parameters: ["DeviceInfo.UpTime"], alias: "health" }, "Device.");
    assert.ok(!("error" in r));
    const values = Object.fromEntries(r.declarations.filter((d) => d.value !== undefined).map((d) => [d.path, d.value]));
    assert.equal(values["Device.BulkData.Profile.[Alias=health].EncodingType"], "JSON");
    assert.equal(values["Device.BulkData.Profile.[Alias=health].JSONEncoding.ReportFormat"], "NameValuePair");
    assert.equal(values["Device.BulkData.Profile.[Alias=health].JSONEncoding.ReportTimestamp"], "Unix-Epoch");
    assert.equal(values["Device.BulkData.Profile.[Alias=health].ReportingInterval"], 300);
  });

  it("refuses arguments it cannot turn into a profile, saying which", () => {
    const bad: [unknown, RegExp][] = [
      [{}, /"parameters"/],
      [{ parameters: [] }, /"parameters"/],
      [{ parameters: ["Device.WiFi.SSID.*.SSID"] }, /without wildcards/],
      [{ parameters: ["DeviceInfo.UpTime"], interval: 0.5 }, /"interval"/],
      [{ parameters: ["DeviceInfo.UpTime"], encoding: "XML" }, /"encoding"/],
      [{ parameters: ["DeviceInfo.UpTime"], encoding: "CSV", format: "NameValuePair" }, /ParameterPerRow, ParameterPerColumn with CSV/],
      [{ parameters: ["DeviceInfo.UpTime"], timestamp: "local" }, /"timestamp"/],
      [{ parameters: ["DeviceInfo.UpTime"], alias: "a b" }, /"alias"/],
      [{ parameters: ["DeviceInfo.UpTime"], enable: "yes" }, /"enable"/],
    ];
    for (const [args, message] of bad) {
      const r = builtinProvision("builtin:bulkdata", args, "Device.");
      assert.ok("error" in r, JSON.stringify(args));
      assert.match(r.error, message);
    }
  });
});
