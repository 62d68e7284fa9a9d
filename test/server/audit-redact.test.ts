// What the audit trail keeps of a value: every form of secret masked, everything else as it was.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { safeEntry } from "../../src/server/audit.js";
import { maskSecrets, maskStoredSecrets } from "../../src/server/redact.js";

describe("secrets masked for the audit trail", () => {
  it("masks secret fields, secret parameters' values, sealed values and hashes, at any depth", () => {
    const value = {
      name: "wifi",
      password: "p1", secret: "s1", token: "t1", key: "k1",
      passwordSealed: "x", secretSealed: "y", keyHash: "abc", passwordHash: "$scrypt$...",
      declarations: [
        { path: "Device.WiFi.AccessPoint.1.Security.KeyPassphrase", value: "pp" },
        { path: "Device.WiFi.SSID.1.SSID", value: "home" },
      ],
      args: { parameterValues: [{ name: "Device.Users.User.1.Password", value: "up", type: "xsd:string" }, { name: "Device.X.Enable", value: "1", type: "xsd:boolean" }] },
      sealedArg: "sealed:v1.k.abcdef",
      url: "postgres://u:dbpass@h/db",
      sha256: "0f".repeat(32),
    };
    const [pp, ssid] = value.declarations;
    const [pw, enable] = value.args.parameterValues;
    const m = "***";
    assert.deepEqual(maskStoredSecrets(value), {
      ...value,
      password: m, secret: m, token: m, key: m, passwordSealed: m, secretSealed: m, keyHash: m, passwordHash: m,
      declarations: [{ ...pp, value: m }, ssid],
      args: { parameterValues: [{ ...pw, value: m }, enable] },
      sealedArg: m,
      url: "postgres://u:***@h/db",
    });
  });

  it("leaves the log's masking as it was (parameter values and hashes are the log's to show)", () => {
    assert.deepEqual(maskSecrets({ path: "Device.X.Password", value: "v", keyHash: "h" }), { path: "Device.X.Password", value: "v", keyHash: "h" });
  });

  it("an entry keeps one line of summary, bounded, with URL passwords masked, and before and after masked", () => {
    const e = safeEntry({
      at: new Date(), principal: { kind: "apiKey", id: "k", name: "k" }, tenant: null, address: null, operation: "op", action: "a.b", targetType: "a", targetId: null,
      outcome: 400, summary: `refused:\nhttp://u:pw@host/ ${"x".repeat(1000)}`, before: { secret: "s" }, after: { password: "p" },
    });
    assert.ok(e.summary.startsWith("refused: http://u:***@host/ x"));
    assert.ok(e.summary.length <= 500);
    assert.deepEqual([e.before, e.after], [{ secret: "***" }, { password: "***" }]);
  });
});
