// ChangeDUState (TR-069 A.4.1.10 and Annex H, in outline): deployment units live in the model's
// SoftwareModules.DeploymentUnit table, each with one execution unit in SoftwareModules.ExecutionUnit.
// Nothing is downloaded: an install succeeds when its arguments are valid, which is what an ACS
// needs to exercise its software-module workflows.

import { formatDateTime, type DeploymentUnitOperation, type OpResultStruct } from "../cwmp/index.js";
import { tablePath, type DeviceTree, type Node } from "./device-model.js";
import type { ObjectDef } from "./model.js";
import { mix } from "./rng.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_UUID = "00000000-0000-0000-0000-000000000000";

/** The tables software modules live in, or undefined when the model has none. */
export function softwareModuleTables(tree: DeviceTree): { du: ObjectDef; eu: ObjectDef | undefined; ee: ObjectDef | undefined } | undefined {
  const root = tree.model.root.path;
  const du = tree.model.objectAt(`${root}SoftwareModules.DeploymentUnit.{i}.`);
  if (du === undefined) return undefined;
  return { du, eu: tree.model.objectAt(`${root}SoftwareModules.ExecutionUnit.{i}.`), ee: tree.model.objectAt(`${root}SoftwareModules.ExecEnv.{i}.`) };
}

/** A UUID (version 5 layout) derived from the device seed and a counter. */
function makeUuid(seed: number, n: number): string {
  const hex = [mix(seed, n, 1), mix(seed, n, 2), mix(seed, n, 3), mix(seed, n, 4)].map((x) => x.toString(16).padStart(8, "0")).join("");
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function nameFromUrl(url: string): string {
  const last = url.split(/[?#]/)[0]!.split("/").pop() ?? "";
  return decodeURIComponent(last).replace(/\.[A-Za-z0-9]+$/, "") || "package";
}

function versionFromUrl(url: string): string | undefined {
  return /(\d+(?:\.\d+)+)/.exec(nameFromUrl(url))?.[1];
}

interface Row {
  path: string;
  inst: number;
}

export class SoftwareModules {
  private readonly tree: DeviceTree;
  private readonly now: number;
  private readonly tables: NonNullable<ReturnType<typeof softwareModuleTables>>;

  constructor(tree: DeviceTree, now: number) {
    const tables = softwareModuleTables(tree);
    if (tables === undefined) throw new RangeError("the model has no SoftwareModules.DeploymentUnit table");
    this.tree = tree;
    this.now = now;
    this.tables = tables;
  }

  private rows(def: ObjectDef): Row[] {
    const path = tablePath(def, []);
    return this.tree.instancesOf(def, [], this.now, path).map((n) => ({ path: `${path}${n}.`, inst: n }));
  }

  private get(row: Row, name: string): string {
    return this.tree.get(row.path + name, this.now) ?? "";
  }

  private put(row: Row, def: ObjectDef, name: string, value: string): void {
    const p = def.paramByName.get(name);
    if (p !== undefined) this.tree.set(row.path + name, p, value);
  }

  private add(def: ObjectDef): Row {
    const path = tablePath(def, []);
    const node = { kind: "table", path, def, inst: [] } as Node & { kind: "table" };
    const n = this.tree.addInstance(node, this.now);
    return { path: `${path}${n}.`, inst: n };
  }

  private remove(row: Row, def: ObjectDef): void {
    this.tree.deleteInstance({ kind: "object", path: row.path, def, inst: [row.inst] }, this.now);
  }

  /** Applies the operations in order; each gets its own result (a failure does not stop the others). */
  apply(ops: readonly DeploymentUnitOperation[], counter: number): OpResultStruct[] {
    const time = formatDateTime(new Date(this.now));
    return ops.map((op, i) => {
      const r = this.applyOne(op, counter + i);
      return { ...r, startTime: time, completeTime: time };
    });
  }

  private failed(uuid: string, faultCode: number, faultString: string): Omit<OpResultStruct, "startTime" | "completeTime"> {
    // The result's UUID must be one (the schema's pattern): the nil UUID when the request's was not.
    if (!UUID.test(uuid)) uuid = NIL_UUID;
    return { uuid, deploymentUnitRef: "", version: "", currentState: "Failed", resolved: false, executionUnitRefList: "", fault: { faultCode, faultString } };
  }

  private defaultExecEnv(ref: string | undefined): string | undefined {
    const ee = this.tables.ee;
    if (ee === undefined) return ref === undefined || ref === "" ? "" : undefined;
    const envs = this.rows(ee).map((r) => r.path.slice(0, -1));
    if (ref === undefined || ref === "") return envs[0] ?? "";
    const wanted = ref.endsWith(".") ? ref.slice(0, -1) : ref;
    return envs.includes(wanted) ? wanted : undefined;
  }

  private applyOne(op: DeploymentUnitOperation, counter: number): Omit<OpResultStruct, "startTime" | "completeTime"> {
    const { du, eu } = this.tables;
    const time = formatDateTime(new Date(this.now));
    switch (op.type) {
      case "Install": {
        if (op.uuid !== undefined && op.uuid !== "" && !UUID.test(op.uuid)) return this.failed(op.uuid, 9022, "Invalid UUID format");
        if (!/^https?:\/\//i.test(op.url)) return this.failed(op.uuid ?? "", 9013, "Unsupported protocol for file transfer");
        const env = this.defaultExecEnv(op.executionEnvRef);
        if (env === undefined) return this.failed(op.uuid ?? "", 9023, "Unknown Execution Environment");
        const uuid = op.uuid !== undefined && op.uuid !== "" ? op.uuid.toLowerCase() : makeUuid(this.tree.identity.seed, counter);
        const version = versionFromUrl(op.url) ?? "1.0";
        if (this.rows(du).some((r) => this.get(r, "UUID").toLowerCase() === uuid)) return this.failed(uuid, 9026, "Duplicate Deployment Unit");
        const name = nameFromUrl(op.url);
        const row = this.add(du);
        let euRef = "";
        if (eu !== undefined) {
          const e = this.add(eu);
          euRef = e.path.slice(0, -1);
          for (const [k, v] of [["EUID", `eu-${e.inst}`], ["Name", name], ["ExecEnvLabel", name], ["Status", "Active"], ["RequestedState", "Active"],
            ["AutoStart", "true"], ["Vendor", this.tree.identity.manufacturer], ["Version", version], ["ExecutionEnvRef", env], ["ExecutionFaultCode", "NoFault"]] as const) {
            this.put(e, eu, k, v);
          }
        }
        for (const [k, v] of [["UUID", uuid], ["DUID", `du-${row.inst}`], ["Name", name], ["Status", "Installed"], ["Resolved", "true"], ["URL", op.url],
          ["Vendor", this.tree.identity.manufacturer], ["Version", version], ["ExecutionUnitList", euRef], ["ExecutionEnvRef", env], ["Installed", time], ["LastUpdate", time]] as const) {
          this.put(row, du, k, v);
        }
        return { uuid, deploymentUnitRef: row.path.slice(0, -1), version, currentState: "Installed", resolved: true, executionUnitRefList: euRef, fault: { faultCode: 0, faultString: "" } };
      }
      case "Update": {
        if (op.uuid !== undefined && op.uuid !== "" && !UUID.test(op.uuid)) return this.failed(op.uuid, 9022, "Invalid UUID format");
        const row = this.rows(du).find((r) => (op.uuid ? this.get(r, "UUID").toLowerCase() === op.uuid.toLowerCase() : op.url !== undefined && this.get(r, "URL") === op.url));
        if (row === undefined) return this.failed(op.uuid ?? "", 9028, "Unknown Deployment Unit");
        const current = this.get(row, "Version");
        const url = op.url ?? this.get(row, "URL");
        const version = op.version ?? versionFromUrl(url) ?? current;
        if (version === current && op.url !== undefined && versionFromUrl(op.url) !== undefined) return this.failed(this.get(row, "UUID"), 9032, "Version already exists");
        this.put(row, du, "Version", version);
        this.put(row, du, "URL", url);
        this.put(row, du, "LastUpdate", time);
        const euRef = this.get(row, "ExecutionUnitList");
        if (eu !== undefined && euRef !== "") {
          const n = Number(euRef.slice(euRef.lastIndexOf(".") + 1));
          this.put({ path: `${euRef}.`, inst: n }, eu, "Version", version);
        }
        return { uuid: this.get(row, "UUID"), deploymentUnitRef: row.path.slice(0, -1), version, currentState: "Installed", resolved: true, executionUnitRefList: euRef, fault: { faultCode: 0, faultString: "" } };
      }
      case "Uninstall": {
        if (!UUID.test(op.uuid)) return this.failed(op.uuid, 9022, "Invalid UUID format");
        const row = this.rows(du).find((r) => this.get(r, "UUID").toLowerCase() === op.uuid.toLowerCase() && (op.version === undefined || op.version === "" || this.get(r, "Version") === op.version));
        if (row === undefined) return this.failed(op.uuid, 9028, "Unknown Deployment Unit");
        const version = this.get(row, "Version");
        const euRef = this.get(row, "ExecutionUnitList");
        if (eu !== undefined && euRef !== "") {
          const n = Number(euRef.slice(euRef.lastIndexOf(".") + 1));
          if (this.tree.resolve(`${euRef}.`, this.now) !== undefined) this.remove({ path: `${euRef}.`, inst: n }, eu);
        }
        this.remove(row, du);
        return { uuid: op.uuid.toLowerCase(), deploymentUnitRef: row.path.slice(0, -1), version, currentState: "Uninstalled", resolved: true, executionUnitRefList: "", fault: { faultCode: 0, faultString: "" } };
      }
    }
  }
}
