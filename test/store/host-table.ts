// A gateway's host table: a tree that grows past KEPT_TREE_BYTES with enough instances, as a discovered
// device's does (tests of large trees).
import type { Store } from "../../src/store/index.js";
import { at, inform } from "./conformance.js";

/** `n` instances of 5 parameters each (none indexed by default): their names, leaves and values. */
export function hostTable(n: number) {
  const instances = Array.from({ length: n }, (_, i) => `Device.Hosts.Host.${i + 1}.`);
  const leaves = instances.flatMap((o) => ["IPAddress", "MACAddress", "HostName", "Active", "LeaseTimeRemaining"].map((p) => `${o}${p}`));
  const names = [
    { path: "Device.Hosts.", writable: false },
    { path: "Device.Hosts.Host.", writable: false },
    ...instances.map((path) => ({ path, writable: false })),
    ...leaves.map((path, i) => ({ path, writable: i % 2 === 0 })),
  ];
  const values = leaves.map((path, i) => ({ path, value: path.endsWith("Active") ? "true" : `value of host parameter ${i}`, type: path.endsWith("Active") ? "xsd:boolean" : "xsd:string" }));
  return { leaves, names, values };
}

/** A device that informed and reported a host table of `hosts` instances, as a discovery stores it: names, then values. */
export async function discoveredHosts(store: Store, id: string, hosts: number): Promise<ReturnType<typeof hostTable>> {
  const t = hostTable(hosts);
  await store.devices.recordInform(inform(id));
  await store.transaction((tx) => tx.parameters.setNames(id, "Device.Hosts.", false, t.names, at(0)));
  await store.parameters.setValues(id, t.values, at(1));
  return t;
}
