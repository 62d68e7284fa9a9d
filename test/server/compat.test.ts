import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serializeEnvelope, xsdValue, type CwmpEnvelope } from "../../src/cwmp/index.js";
import { loadConfig } from "../../src/config/index.js";
import { CompatProfiles, DEFAULT_PROFILE, withConnection } from "../../src/server/compat.js";

const now = new Date("2026-12-06T02:00:00Z");

function inform(oui: string, extra: Partial<CwmpEnvelope> = {}, serialNumber = "S1"): CwmpEnvelope {
  return {
    ns: "1-0",
    header: { id: "1" },
    body: {
      method: "Inform",
      deviceId: { manufacturer: "Acme", oui, productClass: "P", serialNumber },
      event: [{ eventCode: "1 BOOT", commandKey: "" }],
      maxEnvelopes: 1,
      currentTime: "2026-12-06T02:00:00Z",
      retryCount: 0,
      parameterList: [{ name: "Device.DeviceInfo.SoftwareVersion", value: xsdValue("xsd:string", "3.1") }],
    },
    ...extra,
  };
}

const profiles = new CompatProfiles(
  loadConfig({
    file: {
      cwmp: {
        compatProfiles: [
          { name: "by-id", filter: 'id = "AAAAAA-P-S1"', cwmpPrefix: "c" },
          { name: "by-object", filter: 'oui = "BBBBBB" AND Device.DeviceInfo. EXISTS', xmlDeclaration: false },
          { name: "cwmp-1.4", filter: 'cwmpVersion = "1.4"', connection: "close" },
          { name: "catch-oui", filter: 'oui = "BBBBBB"', emptyElements: "selfClosing" },
        ],
      },
    },
  }).cwmp.compatProfiles,
);

describe("choosing a compatibility profile from an Inform", () => {
  it("takes the first profile whose filter matches what the Inform shows", () => {
    assert.equal(profiles.forInform(inform("AAAAAA"), now).name, "by-id");
    assert.equal(profiles.forInform(inform("BBBBBB"), now).name, "by-object");
    assert.equal(profiles.forInform(inform("CCCCCC"), now), DEFAULT_PROFILE);
    const v14 = inform("CCCCCC", { ns: "1-2", header: { id: "1", supportedCwmpVersions: "1.0,1.4" } });
    assert.equal(profiles.forInform(v14, now).name, "cwmp-1.4");
    assert.deepEqual(profiles.forInform(inform("AAAAAA"), now).serialize.prefixes, { soapEnv: "soapenv", soapEnc: "soapenc", cwmp: "c" });
  });

  it("matches an Inform that names no device on what it does show", () => {
    assert.equal(profiles.forInform(inform("BBBBBB", {}, ""), now).name, "by-object");
  });

  it("reads a body for the challenge, and falls back to the default on anything but an Inform", () => {
    const body = (e: CwmpEnvelope) => Buffer.from(serializeEnvelope(e));
    assert.equal(profiles.forBody(body(inform("AAAAAA")), 'text/xml; charset="utf-8"', 1 << 20, now).name, "by-id");
    for (const bad of [Buffer.from("<not xml"), Buffer.from(""), Buffer.from("<a/>"), body({ ns: "1-0", header: {}, body: { method: "GetRPCMethods" } })]) {
      assert.equal(profiles.forBody(bad, undefined, 1 << 20, now), DEFAULT_PROFILE);
    }
    assert.equal(profiles.forBody(body(inform("AAAAAA")), undefined, 100, now), DEFAULT_PROFILE, "too big to read: the default");
    assert.equal(new CompatProfiles([]).forBody(body(inform("AAAAAA")), undefined, 1 << 20, now), DEFAULT_PROFILE);
  });

  it("finds a session's profile by name, and the default for a name no profile has any more", () => {
    assert.equal(profiles.named("catch-oui").serialize.emptyElements, "selfClosing");
    assert.equal(profiles.named("gone"), DEFAULT_PROFILE);
    assert.equal(profiles.named(undefined), DEFAULT_PROFILE);
  });

  it("closes the connection only for profiles that ask", () => {
    const reply = { status: 200, headers: { "Content-Type": "text/xml" }, body: "" };
    assert.deepEqual(withConnection(reply, profiles.named("cwmp-1.4")).headers, { "Content-Type": "text/xml", Connection: "close" });
    assert.equal(withConnection(reply, DEFAULT_PROFILE), reply);
  });
});
