// Devices still on the shared bootstrap credentials are visible through the API: the device record's
// credentials field, the filter `credentials = "bootstrap"` and the bootstrap count of provisio_devices.
// A device turns "own" in the session where it accepts the credentials the bootstrap preset sets. Real
// CWMP over HTTP with the bootstrap credentials, on both backends.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { xsdValue, type CwmpMessage } from "../../src/cwmp/index.js";
import { forEachBackend } from "../support/pg.js";
import { rpcIn, TestCpe, type CpeReply } from "../support/test-cpe.js";
import { startApiAcs, type ApiAcs } from "./support.js";

const PRESET = { name: "bootstrap", events: ["0 BOOTSTRAP"], filter: 'productClass = "CRED"', provisions: [{ name: "builtin:bootstrap-credentials" }] };

/** Runs the session to its end: reads answered with empty values, writes accepted or refused. */
async function session(cpe: TestCpe, events: string[], acceptWrites: boolean): Promise<string[]> {
  const methods: string[] = [];
  assert.equal((await cpe.inform(events)).status, 200);
  let reply: CpeReply = await cpe.send(null);
  while (reply.status !== 204) {
    assert.ok(methods.length < 20, "the session should end");
    const rpc = rpcIn(reply);
    methods.push(rpc.method);
    let answer: CwmpMessage;
    if (rpc.method === "GetParameterValues") {
      answer = { method: "GetParameterValuesResponse", parameterList: rpc.parameterNames.map((name) => ({ name, value: xsdValue("xsd:string", "") })) };
    } else if (rpc.method === "SetParameterValues" && acceptWrites) {
      answer = { method: "SetParameterValuesResponse", status: 0 };
    } else {
      answer = { method: "Fault", faultcode: "Client", faultstring: "CWMP fault", detail: { faultCode: 9002, faultString: "not now", setParameterValuesFaults: [] } } as never;
    }
    reply = await cpe.answer(reply, answer);
  }
  return methods;
}

function metric(text: string, name: string, state: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{state="${state}"} `));
  return line === undefined ? undefined : Number(line.split(" ")[1]);
}

forEachBackend((backend) => {
  describe(`devices on the bootstrap credentials (${backend.name})`, () => {
    let t: ApiAcs;
    const cpes: TestCpe[] = [];

    before(async () => {
      t = await startApiAcs(backend);
      assert.equal((await t.api.put("/api/presets/bootstrap", PRESET)).status, 200);
    });
    after(async () => {
      for (const c of cpes) c.close();
      await t.stop();
    });

    const cpe = (productClass: string) => {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: { productClass } });
      cpes.push(c);
      return c;
    };
    const source = async (c: TestCpe) => {
      const res = await t.api.get(`/api/devices/${encodeURIComponent(c.deviceId)}`);
      assert.equal(res.status, 200, res.text);
      return res.body.device.credentials as string;
    };
    const listed = async (filter: string) => {
      const res = await t.api.get(`/api/devices?count=true&filter=${encodeURIComponent(filter)}`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.total, res.body.devices.length);
      return (res.body.devices as { id: string; credentials: string }[]).map((d) => `${d.id}:${d.credentials}`);
    };
    const counted = async () => {
      const res = await t.api.get("/metrics");
      assert.equal(res.status, 200);
      return { all: metric(res.text, "provisio_devices", "all"), bootstrap: metric(res.text, "provisio_devices", "bootstrap") };
    };

    it("shows a device as bootstrap until it accepts its own credentials, and own after; filters and counts them", async () => {
      const device = cpe("CRED");
      const other = cpe("OTHER");
      assert.deepEqual(await session(other, ["0 BOOTSTRAP"], true), [], "the preset does not apply to it");

      // The device refuses the credentials at its bootstrap: still on the shared ones.
      assert.ok((await session(device, ["0 BOOTSTRAP", "1 BOOT"], false)).includes("SetParameterValues"));
      assert.equal(await source(device), "bootstrap");
      assert.deepEqual((await listed('credentials = "bootstrap"')).sort(), [`${device.deviceId}:bootstrap`, `${other.deviceId}:bootstrap`].sort());
      assert.deepEqual(await counted(), { all: 2, bootstrap: 2 });

      // Its next session, a periodic one, gives them again; it accepts them.
      assert.ok((await session(device, ["2 PERIODIC"], true)).includes("SetParameterValues"));
      assert.equal(await source(device), "own");
      assert.equal(await source(other), "bootstrap");
      assert.deepEqual(await listed('credentials = "bootstrap"'), [`${other.deviceId}:bootstrap`]);
      assert.deepEqual(await listed('credentials != "bootstrap"'), [`${device.deviceId}:own`]);
      assert.deepEqual(await counted(), { all: 2, bootstrap: 1 });
    });

    it("sorts by credentials, and refuses a value the field cannot hold", async () => {
      const res = await t.api.get("/api/devices?sort=-credentials");
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.devices.map((d: { credentials: string }) => d.credentials), ["own", "bootstrap"]);
      const bad = await t.api.get(`/api/devices?filter=${encodeURIComponent('credentials = "shared"')}`);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, "PROVISIO_ERR_FILTER_INVALID");
      assert.equal(bad.body.error.details.code, "FILTER_TYPE");
      assert.match(bad.body.error.message, /credentials is "own" or "bootstrap", not "shared"/);
    });
  });
});
