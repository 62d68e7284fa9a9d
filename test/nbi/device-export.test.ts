// CSV export over HTTP: RFC 4180 quoting, the guard against spreadsheet formulas, parameters as
// columns, errors before any CSV, and 5,000 devices streamed in pages (chunked, no Content-Length).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { devicesCsv } from "../../src/nbi/csv.js";
import type { Store } from "../../src/store/types.js";
import { forEachBackend } from "../support/pg.js";
import { isError, startApiAcs, type ApiAcs } from "./support.js";

const SV = "Device.DeviceInfo.SoftwareVersion";
const UP = "Device.DeviceInfo.UpTime";
const MANY = 5000;

/** A strict RFC 4180 reader: the test's own, so that what the export writes is checked, not assumed. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  for (;;) {
    let cell = "";
    if (text[i] === '"') {
      for (i++; ; i++) {
        if (i >= text.length) throw new Error("unclosed quote");
        if (text[i] === '"') {
          if (text[i + 1] !== '"') break;
          i++;
        }
        cell += text[i];
      }
      i++;
    } else {
      while (i < text.length && text[i] !== "," && text[i] !== "\r") {
        assert.ok(text[i] !== '"' && text[i] !== "\n", `a bare quote or LF at ${i}`);
        cell += text[i++];
      }
    }
    row.push(cell);
    if (text[i] === ",") {
      i++;
      continue;
    }
    assert.equal(text.slice(i, i + 2), "\r\n", `a line must end with CRLF at ${i}`);
    rows.push(row);
    row = [];
    i += 2;
    if (i === text.length) return rows;
  }
}

async function seed(store: Store, n: number): Promise<void> {
  const at = new Date(Date.UTC(2026, 0, 1));
  for (let start = 0; start < n; start += 500) {
    await store.transaction(async (tx) => {
      for (let i = start; i < Math.min(n, start + 500); i++) {
        const serial = `BULK${String(i).padStart(5, "0")}`;
        const id = `A1B2C3-HGW-${serial}`;
        await tx.devices.recordInform({ id, manufacturer: "Acme", oui: "A1B2C3", productClass: "HGW", serialNumber: serial, at, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
        await tx.parameters.setValues(id, [{ path: SV, value: `2.${i % 7}`, type: "xsd:string" }, { path: UP, value: String(i), type: "xsd:unsignedInt" }], at);
      }
    });
  }
}

forEachBackend((backend) => {
  describe("device export (CSV)", () => {
    let t: ApiAcs;
    before(async () => {
      t = await startApiAcs(backend);
      const store = t.acs.store;
      await seed(store, MANY);
      const at = new Date(Date.UTC(2026, 0, 2));
      const odd = async (serial: string, sv: string | null, tags: string[] = []) => {
        const id = `00D09E-ODD-${serial}`;
        await store.devices.recordInform({ id, manufacturer: "Acme, Inc.", oui: "00D09E", productClass: "ODD", serialNumber: serial, at, address: null, cwmpNamespace: "1-2", cwmpVersion: null, events: [] });
        if (sv !== null) await store.parameters.setValues(id, [{ path: SV, value: sv, type: "xsd:string" }], at);
        if (tags.length > 0) await store.devices.updateTags(id, tags, []);
      };
      await odd("1", 'say "hi", then\r\nleave', ["b", "a"]);
      await odd("2", "=HYPERLINK(\"http://x\")");
      await odd("3", "-5");
      await odd("4", "+1");
      await odd("5", "@SUM(A1)");
      await odd("6", null);
      await odd("7", "é😀\tx");
    });
    after(() => t.stop());

    const get = (query: string, key: string | null = t.adminKey) =>
      fetch(`${t.apiUrl}/api/devices/export?${query}`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });

    it("quotes per RFC 4180, disarms cells a spreadsheet would run, and leaves missing values empty", async () => {
      const res = await get(`filter=${encodeURIComponent('productClass = "ODD"')}&columns=${SV},${UP}`, await t.keyFor("read-only"));
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/csv; charset=utf-8/);
      assert.match(res.headers.get("content-disposition") ?? "", /attachment; filename="devices.csv"/);
      const text = await res.text();
      assert.ok(text.startsWith(`id,oui,productClass,serialNumber,manufacturer,lastInformAt,tags,${SV},${UP}\r\n`));
      assert.ok(text.includes('"say ""hi"", then\r\nleave"'), "a quote, a comma and a line break are quoted");
      const rows = parseCsv(text);
      const at = "2026-01-02T00:00:00.000Z";
      assert.deepEqual(rows.slice(1), [
        ["00D09E-ODD-1", "00D09E", "ODD", "1", "Acme, Inc.", at, "a,b", 'say "hi", then\r\nleave', ""],
        ["00D09E-ODD-2", "00D09E", "ODD", "2", "Acme, Inc.", at, "", "'=HYPERLINK(\"http://x\")", ""],
        ["00D09E-ODD-3", "00D09E", "ODD", "3", "Acme, Inc.", at, "", "'-5", ""],
        ["00D09E-ODD-4", "00D09E", "ODD", "4", "Acme, Inc.", at, "", "'+1", ""],
        ["00D09E-ODD-5", "00D09E", "ODD", "5", "Acme, Inc.", at, "", "'@SUM(A1)", ""],
        ["00D09E-ODD-6", "00D09E", "ODD", "6", "Acme, Inc.", at, "", "", ""],
        ["00D09E-ODD-7", "00D09E", "ODD", "7", "Acme, Inc.", at, "", "é😀\tx", ""],
      ]);
    });

    it(`streams ${MANY} devices in id order with their columns, chunked, in pages`, async () => {
      const res = await get(`filter=${encodeURIComponent('id ^= "A1B2C3-"')}&columns=${UP},${SV}&format=csv`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-length"), null);
      assert.equal(res.headers.get("transfer-encoding"), "chunked");
      const rows = parseCsv(await res.text());
      assert.equal(rows.length, MANY + 1);
      for (let i = 0; i < MANY; i++) {
        const serial = `BULK${String(i).padStart(5, "0")}`;
        assert.deepEqual(rows[i + 1], [`A1B2C3-HGW-${serial}`, "A1B2C3", "HGW", serial, "Acme", "2026-01-01T00:00:00.000Z", "", String(i), `2.${i % 7}`]);
      }
      // A filter with the new operators, without columns.
      const some = parseCsv(await (await get(`filter=${encodeURIComponent(`serialNumber ~= "BULK0?00?" AND ${SV} *= ".3"`)}`)).text());
      const expected = Array.from({ length: MANY }, (_v, i) => i).filter((i) => Math.floor(i / 10) % 100 === 0 && i % 7 === 3);
      assert.deepEqual(some.slice(1).map((r) => r[3]), expected.map((i) => `BULK${String(i).padStart(5, "0")}`));
      assert.equal(some[0]?.length, 7);
    });

    it("refuses a bad filter or column with a JSON error before any CSV; a filter matching nothing gives the header alone", async () => {
      const api = t.api;
      assert.ok(isError(await api.get(`/api/devices/export?filter=${encodeURIComponent("serialNumber *= 5")}`), 400, "FILTER_INVALID"));
      assert.ok(isError(await api.get(`/api/devices/export?columns=${encodeURIComponent("Device..X")}`), 400, "VALIDATION"));
      assert.ok(isError(await api.get("/api/devices/export?columns=Device.DeviceInfo."), 400, "VALIDATION"));
      const tooMany = Array.from({ length: 101 }, (_v, i) => `Device.X.P${i}`).join(",");
      assert.ok(isError(await api.get(`/api/devices/export?columns=${tooMany}`), 400, "VALIDATION"));
      assert.ok(isError(await api.get("/api/devices/export?format=xlsx"), 400, "VALIDATION"));
      assert.equal((await get("", null)).status, 401);
      const none = await get(`filter=${encodeURIComponent('id = "nobody"')}&columns=${SV}`);
      assert.equal(await none.text(), `id,oui,productClass,serialNumber,manufacturer,lastInformAt,tags,${SV}\r\n`);
    });

    it("reads the store a page at a time, when the reader asks for more: what goes meanwhile never appears", async () => {
      const rows = devicesCsv(t.acs.store, { filter: 'productClass = "ODD"', columns: [], now: new Date(), onlineWithinMs: 0, pageSize: 2 });
      assert.match(String((await rows.next()).value), /^id,/);
      assert.deepEqual(parseCsv(String((await rows.next()).value)).map((r) => r[0]), ["00D09E-ODD-1", "00D09E-ODD-2"]);
      // Had the export read every device up front, these would still come out.
      assert.equal(await t.acs.store.devices.deleteMany(["00D09E-ODD-5", "00D09E-ODD-6", "00D09E-ODD-7"]), 3);
      let rest = "";
      for await (const chunk of rows) rest += chunk;
      assert.deepEqual(parseCsv(rest).map((r) => r[0]), ["00D09E-ODD-3", "00D09E-ODD-4"]);
    });
  });
});
