// The device's parameter tree: loaded when first shown, objects rendered only when opened, searchable
// by path or value. Each value shows its type, age and whether it is writable; an operator edits
// writable values in place, reads a subtree again, adds and deletes object instances.

import { useMemo, useState } from "preact/hooks";
import { api, enc } from "../api/client.js";
import type { DeviceDetail, ParamRecord } from "../api/types.js";
import { useCan } from "../auth.js";
import { ConfirmDialog } from "../components/ConfirmDialog.js";
import { Empty, ErrorState, Loading, describe } from "../components/States.js";
import { ago } from "../format.js";
import { useApi } from "../useApi.js";
import { runDeviceTask, taskOutcome } from "./run-task.js";
import { flatten, isInstance, sortedEntries } from "./tree.js";
import { ValueEditor } from "./ValueEditor.js";

interface Ctx {
  deviceId: string;
  canWrite: boolean;
  open: Set<string>;
  toggle(path: string): void;
  editing: string | null;
  setEditing(path: string | null): void;
  act(label: string, work: () => Promise<string>): void;
  askDelete(path: string): void;
}

export function ParameterTree({ deviceId, version }: { deviceId: string; version: number }) {
  const canWrite = useCan("operator");
  const tree = useApi((signal) => api.get<DeviceDetail>(`/api/devices/${enc(deviceId)}?parameters=tree&events=0`, { signal }), [deviceId, version]);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [editing, setEditing] = useState<string | null>(null);
  const [search, setSearch] = useState("");
  const [status, setStatus] = useState<string>("");
  const [deleting, setDeleting] = useState<string | null>(null);
  const flat = useMemo(() => (tree.data ? flatten(tree.data.parameters) : []), [tree.data]);

  const act = (label: string, work: () => Promise<string>) => {
    setStatus(`${label}…`);
    work().then(
      (m) => {
        setStatus(m);
        tree.reload();
      },
      (err: unknown) => setStatus(`${label}: ${describe(err)}`),
    );
  };
  const ctx: Ctx = {
    deviceId,
    canWrite,
    open,
    toggle: (p) => {
      const n = new Set(open);
      if (n.has(p)) n.delete(p);
      else n.add(p);
      setOpen(n);
    },
    editing,
    setEditing,
    act,
    askDelete: setDeleting,
  };

  if (tree.loading && !tree.data) return <Loading what="Loading the parameters" />;
  if (tree.error && !tree.data) return <ErrorState error={tree.error} retry={tree.reload} />;
  const roots = tree.data?.parameters ?? {};
  const needle = search.trim().toLowerCase();
  const found = needle ? flat.filter((f) => !f.record.object && (f.path.toLowerCase().includes(needle) || (f.record.value ?? "").toLowerCase().includes(needle))) : [];
  return (
    <div class="tree">
      <div class="row">
        <label for="param-search">Search parameters</label>
        <input id="param-search" type="search" class="mono grow" placeholder="path or value" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
      </div>
      <p role="status" aria-live="polite" class="live" data-testid="tree-status">
        {status}
      </p>
      {Object.keys(roots).length === 0 ? (
        <Empty>The ACS knows no parameter of this device yet. Refresh to read them.</Empty>
      ) : needle ? (
        <ul aria-label="Matching parameters">
          {found.slice(0, 200).map((f) => (
            <Node key={f.path} ctx={ctx} path={f.path} name={f.path} record={f.record} />
          ))}
          {found.length === 0 && <li class="muted">No parameter matches.</li>}
          {found.length > 200 && <li class="muted">{found.length - 200} more: narrow the search.</li>}
        </ul>
      ) : (
        <ul aria-label="Parameter tree">
          {sortedEntries(roots).map(([key, record]) => (
            <Node key={key} ctx={ctx} path={key} name={key} record={record} />
          ))}
        </ul>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting}?`}
          confirmLabel="Delete the instance"
          danger
          onCancel={() => setDeleting(null)}
          onConfirm={() => {
            const path = deleting;
            setDeleting(null);
            act(`Deleting ${path}`, async () => `${path}: ${taskOutcome(await runDeviceTask(deviceId, "deleteObject", { objectName: path }))}`);
          }}
        >
          <p>The device deletes this object instance and everything in it.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function Node({ ctx, path, name, record }: { ctx: Ctx; path: string; name: string; record: ParamRecord }) {
  if (record.object) return <ObjectNode ctx={ctx} path={path} name={name} record={record} />;
  const editing = ctx.editing === path;
  return (
    <li>
      <div class="node">
        <span class="name">{name}</span>
        {editing ? (
          <ValueEditor
            deviceId={ctx.deviceId}
            path={path}
            record={record}
            onDone={(m) => {
              ctx.setEditing(null);
              if (m) ctx.act("", () => Promise.resolve(m));
            }}
          />
        ) : (
          <>
            <span class="value" data-path={path}>
              {record.value ?? <span class="muted">(no value read)</span>}
            </span>
            <span class="meta">
              {record.type ?? "type unknown"} · {record.writable ? "writable" : "read-only"} · read {ago(record.valueAt)}
            </span>
            {ctx.canWrite && record.writable && (
              <button type="button" class="link" aria-label={`Edit ${path}`} onClick={() => ctx.setEditing(path)}>
                Edit
              </button>
            )}
          </>
        )}
      </div>
    </li>
  );
}

function ObjectNode({ ctx, path, name, record }: { ctx: Ctx; path: string; name: string; record: ParamRecord }) {
  const open = ctx.open.has(path);
  const children = record.children ?? {};
  return (
    <li>
      <div class="node">
        <button type="button" class="toggle" aria-expanded={open} aria-label={`${open ? "Close" : "Open"} ${path}`} onClick={() => ctx.toggle(path)}>
          {open ? "▾" : "▸"}
        </button>
        <span class="name">{name}</span>
        <span class="meta">{Object.keys(children).length} inside</span>
        {ctx.canWrite && (
          <>
            <button type="button" class="link" aria-label={`Refresh ${path}`} onClick={() => ctx.act(`Refreshing ${path}`, async () => `${path}: ${taskOutcome(await runDeviceTask(ctx.deviceId, "getParameterNames", { parameterPath: path, values: true }))}`)}>
              Refresh
            </button>
            {record.writable && !isInstance(name) && (
              <button type="button" class="link" aria-label={`Add an instance to ${path}`} onClick={() => ctx.act(`Adding to ${path}`, async () => `${path}: ${taskOutcome(await runDeviceTask(ctx.deviceId, "addObject", { objectName: path }))}`)}>
                Add instance
              </button>
            )}
            {isInstance(name.split(".").slice(-2).join(".")) && (
              <button type="button" class="link" aria-label={`Delete ${path}`} onClick={() => ctx.askDelete(path)}>
                Delete
              </button>
            )}
          </>
        )}
      </div>
      {open && (
        <ul>
          {sortedEntries(children).map(([key, child]) => (
            <Node key={key} ctx={ctx} path={path + key} name={key} record={child} />
          ))}
        </ul>
      )}
    </li>
  );
}
