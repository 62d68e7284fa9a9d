// Every state-changing route of the REST API declares what it records in the audit trail, so that a
// route added later cannot skip it unnoticed: this walks the routes the app registered.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { STATE_CHANGING } from "../../src/nbi/audit.js";
import { backend } from "../support/pg.js";
import { startApiAcs, type ApiAcs } from "./support.js";

describe("audit declarations", () => {
  let t: ApiAcs;
  before(async () => {
    t = await startApiAcs(backend("sqlite"));
  });
  after(() => t.stop());

  it("every POST, PUT, PATCH and DELETE route declares its audit entry, or why it changes nothing", () => {
    const routes = t.acs.nbi!.routes.routes;
    const changing = routes.filter((r) => STATE_CHANGING.has(r.method));
    assert.ok(changing.length >= 30, `found ${changing.length} state-changing routes`);
    const missing = changing.filter((r) => r.audit === undefined).map((r) => `${r.method} ${r.url} (${r.operationId})`);
    assert.deepEqual(missing, [], "routes without `audit` on their RouteSpec (src/nbi/audit.ts says how)");
    for (const r of changing) {
      const a = r.audit!;
      if ("none" in a) {
        assert.ok(a.none.length > 0, `${r.operationId}: say why it changes nothing`);
        continue;
      }
      assert.match(a.action, /^[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/, `${r.operationId}: action "<target type>.<verb>"`);
      assert.ok(a.action.startsWith(`${a.targetType}.`) || a.targetType === "device", `${r.operationId}: the action names its target type (${a.action}, ${a.targetType})`);
    }
  });

  it("reads (GET) declare none: they are never recorded", () => {
    const reads = t.acs.nbi!.routes.routes.filter((r) => !STATE_CHANGING.has(r.method) && r.audit !== undefined);
    assert.deepEqual(reads.map((r) => r.operationId), []);
  });
});
