// The parameter tree GET /api/devices/{id} answers (json.ts): its shape, and the same JSON as the plain
// walk from the root that it replaced, on trees of random paths in any order.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parameterMap, parameterTree } from "../../src/nbi/json.js";
import type { ParameterRecord } from "../../src/store/types.js";

const T1 = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
const T2 = new Date(Date.UTC(2026, 0, 3));

function rec(path: string, over: Partial<ParameterRecord> = {}): ParameterRecord {
  const object = path.endsWith(".");
  return {
    path, object, value: object ? null : `v-${path}`, type: object ? null : "xsd:string", writable: true, notification: 0, accessList: [],
    valueAt: object ? null : T1, namesAt: T2, attributesAt: null, ...over,
  };
}

const fields = (r: ParameterRecord) => ({
  object: r.object, value: r.value, type: r.type, writable: r.writable, notification: r.notification, accessList: r.accessList,
  valueAt: r.valueAt?.toISOString() ?? null, namesAt: r.namesAt?.toISOString() ?? null, attributesAt: r.attributesAt?.toISOString() ?? null,
});
const synthetic = { object: true, value: null, type: null, writable: null, notification: null, accessList: null, valueAt: null, namesAt: null, attributesAt: null };

/** The walk from the root, segment by segment, that parameterTree answered with before (the reference). */
function reference(records: readonly ParameterRecord[]): Record<string, unknown> {
  type N = Record<string, unknown> & { children?: Record<string, N> };
  const root: Record<string, N> = {};
  for (const r of records) {
    const segs = r.path.match(/[^.]*\.|[^.]+$/g) ?? [];
    let level = root;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      let node = level[seg];
      if (i === segs.length - 1) {
        const json: N = fields(r);
        if (node?.children) json.children = node.children;
        else if (r.object) json.children = {};
        level[seg] = json;
        break;
      }
      if (node === undefined) {
        node = { ...synthetic };
        level[seg] = node;
      }
      node.children ??= {};
      level = node.children;
    }
  }
  return root;
}

test("records become a tree keyed by segments; missing objects are filled in; times are ISO strings", () => {
  const records = [rec("Device."), rec("Device.WiFi.SSID.1.SSID", { valueAt: T2 }), rec("Device.WiFi.SSID.1."), rec("Device.DeviceInfo.UpTime")];
  assert.deepEqual(parameterTree(records), {
    "Device.": {
      ...fields(records[0]!),
      children: {
        "WiFi.": { ...synthetic, children: { "SSID.": { ...synthetic, children: { "1.": { ...fields(records[2]!), children: { SSID: fields(records[1]!) } } } } } },
        "DeviceInfo.": { ...synthetic, children: { UpTime: fields(records[3]!) } },
      },
    },
  });
  assert.equal((parameterTree(records)["Device."]!.children!["WiFi."]!.children!["SSID."]!.children!["1."]!.children!.SSID as { valueAt: string }).valueAt, T2.toISOString());
  assert.deepEqual(parameterTree([rec("Device.Empty.")]), { "Device.": { ...synthetic, children: { "Empty.": { ...fields(rec("Device.Empty.")), children: {} } } } });
  assert.deepEqual(parameterTree([]), {});
});

test("the tree is the same JSON as the walk from the root, for random paths in any order", () => {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const names = ["Device", "WiFi", "SSID", "1", "2", "IP", "Interface", "X", ""];
  for (let round = 0; round < 200; round++) {
    const paths = new Set<string>();
    const count = 1 + rand(40);
    while (paths.size < count) {
      const depth = 1 + rand(5);
      const segs = Array.from({ length: depth }, () => names[rand(names.length)]!);
      paths.add(`${segs.join(".")}${rand(3) === 0 ? "." : ""}`);
    }
    const times = [T1, T2, null, new Date(T1.getTime() + rand(3))];
    const records = [...paths].map((p) => rec(p, { valueAt: times[rand(times.length)]!, namesAt: times[rand(times.length)]!, object: p.endsWith(".") !== (rand(10) === 0) }));
    const sorted = [...records].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const input of [sorted, records]) {
      assert.equal(JSON.stringify(parameterTree(input)), JSON.stringify(reference(input)), `paths: ${JSON.stringify(input.map((r) => r.path))}`);
    }
    assert.deepEqual(parameterMap(records), Object.fromEntries(records.map((r) => [r.path, fields(r)])));
  }
});
