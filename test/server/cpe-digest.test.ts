// CPE Digest authentication on a real ACS over real HTTP: how challenges and failures are logged.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Logger } from "../../src/server/logger.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { backend } from "../support/pg.js";
import { TestCpe } from "../support/test-cpe.js";

interface Line {
  level: "debug" | "info" | "warn" | "error";
  obj: object;
  msg: string | undefined;
}

function capturingLogger(lines: Line[]): Logger {
  const at = (level: Line["level"]) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

describe("CPE Digest on the CWMP endpoint", () => {
  let t: TestAcs;
  const lines: Line[] = [];
  before(async () => {
    t = await startTestAcs(backend("sqlite"), { log: capturingLogger(lines) });
  });
  after(() => t.stop());

  it("logs the normal challenge as a challenge, and only wrong credentials as an authentication failure", async () => {
    lines.length = 0;
    const bare = new TestCpe({ url: t.url });
    assert.equal((await bare.inform()).status, 401);
    assert.equal((await bare.post("")).status, 401);
    bare.close();
    assert.deepEqual(lines.filter((l) => /authentication|challenged/.test(l.msg ?? "")).map((l) => [l.level, l.msg]), [
      ["debug", "CPE challenged for credentials"],
      ["debug", "CPE challenged for credentials"],
    ]);
    lines.length = 0;
    const wrong = new TestCpe({ url: t.url, username: t.username, password: "not-it" });
    assert.equal((await wrong.inform()).status, 401);
    wrong.close();
    const failed = lines.filter((l) => l.msg === "CPE authentication failed");
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.level, "warn");
    assert.match(String((failed[0]?.obj as { reason?: string }).reason), /bad-response/);
  });
});
