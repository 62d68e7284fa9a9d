import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { checkXsd } from "../../src/cwmp/index.js";
import { checkConstraints } from "../../src/sim/constraints.js";
import { builtinModels } from "../../src/sim/models/index.js";
import { bbfDir } from "../support/paths.js";
import { readBbf, type BbfModel } from "./support/bbf.js";

const files: Record<string, string> = {
  "tr181-gateway": "tr-181-2-17-0-cwmp-full.xml",
  "tr098-gateway": "tr-098-1-8-0-full.xml",
};

const bbfCache = new Map<string, BbfModel>();
function bbf(name: string): BbfModel {
  let m = bbfCache.get(name);
  if (m === undefined) bbfCache.set(name, (m = readBbf(join(bbfDir, "data-models", files[name]!))));
  return m;
}

for (const [name, load] of Object.entries(builtinModels)) {
  test(`${name}: every parameter and object exists in the BBF data model with its type and writability`, () => {
    const model = load();
    const ref = bbf(name);
    const problems: string[] = [];
    for (const p of model.params) {
      const r = ref.parameters.get(p.path);
      if (r === undefined) {
        problems.push(`${p.path}: not in the data model`);
        continue;
      }
      if (r.type !== p.type) problems.push(`${p.path}: ${p.type}, data model says ${r.type}`);
      if (r.writable !== p.writable) problems.push(`${p.path}: writable ${p.writable}, data model says ${r.writable}`);
      if (r.forcedInform !== p.forcedInform) problems.push(`${p.path}: forcedInform ${p.forcedInform}, data model says ${r.forcedInform}`);
      if (r.activeNotify !== p.activeNotify) problems.push(`${p.path}: activeNotify ${p.activeNotify}, data model says ${r.activeNotify}`);
      // Deprecated parameters are still what devices of that generation send (DeviceSummary).
      if (r.status !== "current" && r.status !== "deprecated") problems.push(`${p.path}: ${r.status} in the data model`);
    }
    for (const o of model.objects) {
      const r = ref.objects.get(o.path);
      if (r === undefined) {
        problems.push(`${o.path}: object not in the data model`);
        continue;
      }
      if (r.multi !== o.multi) problems.push(`${o.path}: multi ${o.multi}`);
      if (o.multi && r.writable !== o.writable) problems.push(`${o.path}: table writable ${o.writable}, data model says ${r.writable}`);
    }
    assert.deepEqual(problems, []);
  });

  test(`${name}: every factory value fits its type and the data model's restrictions`, () => {
    const model = load();
    const ref = bbf(name);
    const problems: string[] = [];
    assert.deepEqual(model.warnings, []);
    for (const [path, value] of model.baseValues) {
      const def = model.paramAt(path.replace(/\.\d+\./g, ".{i}.").replace(/\.\d+\./g, ".{i}."))!;
      const bad = checkXsd(def.type, value);
      if (bad !== undefined) problems.push(`${path}: ${JSON.stringify(value)} ${bad}`);
      if (def.constraints) {
        const c = checkConstraints(def, value, def.constraints);
        if (c !== undefined) problems.push(`${path}: ${c}`);
      }
      const r = ref.parameters.get(def.path)!;
      if (r.enumeration.length > 0 && !r.list && !r.enumeration.includes(value) && value !== "") problems.push(`${path}: ${value} not in ${r.enumeration.join("|")}`);
    }
    assert.deepEqual(problems, []);
  });
}
