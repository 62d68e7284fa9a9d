import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { repoRoot } from "../support/paths.js";

const problemsOf = (profiles: unknown[]): string[] => {
  try {
    loadConfig({ file: { cwmp: { compatProfiles: profiles } } });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe("configuration of compatibility profiles", () => {
  it("fills a profile's options with today's output and keeps the order", () => {
    const c = loadConfig({ file: { cwmp: { compatProfiles: [{ name: "legacy", filter: 'oui = "00D09E"', soapEnvPrefix: "SOAP-ENV" }, { name: "other", filter: 'productClass ^= "HG"' }] } } });
    assert.deepEqual(c.cwmp.compatProfiles.map((p) => p.name), ["legacy", "other"]);
    assert.deepEqual(c.cwmp.compatProfiles[0], {
      name: "legacy",
      filter: 'oui = "00D09E"',
      xmlDeclaration: true,
      soapEnvPrefix: "SOAP-ENV",
      soapEncPrefix: "soapenc",
      cwmpPrefix: "cwmp",
      emptyElements: "pair",
      booleans: "numeric",
      connection: "keep-alive",
    });
    assert.deepEqual(loadConfig().cwmp.compatProfiles, []);
  });

  it("reads profiles from the environment as JSON", () => {
    const c = loadConfig({ env: { PROVISIO_CWMP_COMPAT_PROFILES: JSON.stringify([{ name: "a", filter: 'manufacturer = "X"', connection: "close" }]) } });
    assert.equal(c.cwmp.compatProfiles[0]?.connection, "close");
    assert.ok(problemsOf(["nope"]).some((p) => p.startsWith("cwmp.compatProfiles.0")));
  });

  it("says which profile is wrong and why", () => {
    const wrong = [
      { name: "default", filter: 'oui = "1"' },
      { name: "a", filter: "oui = " },
      { name: "b", filter: 'tag = "x"' },
      { name: "b", filter: "online" },
      { name: "c", filter: 'oui = "1"', soapEnvPrefix: "a:b", cwmpPrefix: "soapenc" },
    ];
    const expect = [
      /^cwmp\.compatProfiles\.0\.name: "default" is the built-in profile's name$/,
      /^cwmp\.compatProfiles\.1\.filter: expected a value/,
      /^cwmp\.compatProfiles\.2\.filter: reads tag, which an Inform does not show/,
      /^cwmp\.compatProfiles\.3\.filter: reads online/,
      /^cwmp\.compatProfiles\.3\.name: "b" names two profiles$/,
      /^cwmp\.compatProfiles\.4: soapEnv prefix "a:b" is not an XML name/,
      /^cwmp\.compatProfiles\.4: cwmp and soapEnc prefixes are both "soapenc"$/,
    ];
    const problems = problemsOf(wrong);
    for (const re of expect) assert.ok(problems.some((p) => re.test(p)), `${re}\n${problems.join("\n")}`);
    assert.equal(problems.length, expect.length, problems.join("\n"));
    // What the schema refuses is reported alone: shapes first, then meanings.
    assert.deepEqual(problemsOf([...wrong, { name: "d", filter: 'oui = "1"', connection: "sometimes" }]).map((p) => p.split(":")[0]), ["cwmp.compatProfiles.5.connection"]);
  });

  it("accepts filters on the DeviceId fields, the CWMP version and the Inform's parameters", () => {
    assert.deepEqual(
      problemsOf([{ name: "p", filter: 'id ^= "00D09E-" OR (productClass IN ("A", "B") AND cwmpVersion = "1.0") OR Device.DeviceInfo.SoftwareVersion ^= "1." OR InternetGatewayDevice. EXISTS' }]),
      [],
    );
  });

  it("loads the example of docs/compatibility.md", () => {
    const doc = readFileSync(join(repoRoot, "docs", "compatibility.md"), "utf8");
    const example = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(example !== undefined);
    const c = loadConfig({ file: JSON.parse(example) });
    assert.deepEqual(c.cwmp.compatProfiles.map((p) => p.name), ["legacy-soap-env", "old-firmware-self-closing"]);
  });
});
