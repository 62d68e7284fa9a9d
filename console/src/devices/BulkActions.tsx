// Bulk actions over the selected devices or the whole filter: each asks for what it needs, then
// confirms with the number of devices it will touch. Tasks report live progress; tags and deletes
// answer at once. Actions the role may not do are not offered.

import { useState } from "preact/hooks";
import { api } from "../api/client.js";
import type { FileRecord } from "../api/types.js";
import { useCan } from "../auth.js";
import { ConfirmDialog } from "../components/ConfirmDialog.js";
import { Field } from "../components/Field.js";
import { describe } from "../components/States.js";
import { plural } from "../format.js";
import { useApi } from "../useApi.js";
import { runBulkTask, type BulkRun } from "./bulk-run.js";
import { selectionBody, targetCount, targetFilters, type Target } from "./selection.js";

type Action = "refresh" | "reboot" | "set" | "download" | "tag" | "untag" | "delete";

const LABELS: Record<Action, string> = {
  refresh: "Refresh",
  reboot: "Reboot",
  set: "Set a parameter",
  download: "Push a file",
  tag: "Tag",
  untag: "Untag",
  delete: "Delete",
};

export interface BulkActionsProps {
  selected: string[];
  filter: string;
  filterCount: number | null;
  onRun(run: BulkRun | null, stop?: () => void): void;
  onChanged(message: string): void;
}

export function BulkActions(p: BulkActionsProps) {
  const operator = useCan("operator");
  const admin = useCan("admin");
  const [action, setAction] = useState<Action | null>(null);
  if (!operator) return null;
  const actions: Action[] = ["refresh", "reboot", "set", "download", "tag", "untag", ...(admin ? (["delete"] as const) : [])];
  return (
    <div class="row bulk" role="group" aria-label="Bulk actions">
      <span class="muted">{p.selected.length > 0 ? `${plural(p.selected.length, "device")} selected:` : "All matching:"}</span>
      {actions.map((a) => (
        <button key={a} type="button" class={a === "delete" ? "danger-outline" : undefined} onClick={() => setAction(a)}>
          {LABELS[a]}…
        </button>
      ))}
      {action && <BulkDialog {...p} action={action} onClose={() => setAction(null)} />}
    </div>
  );
}

function BulkDialog(p: BulkActionsProps & { action: Action; onClose(): void }) {
  const [useSelection, setUseSelection] = useState(p.selected.length > 0);
  const [path, setPath] = useState("");
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [fileId, setFileId] = useState("");
  const [tag, setTag] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const files = useApi((signal) => (p.action === "download" ? api.get<{ files: FileRecord[] }>("/api/files", { signal }) : Promise.resolve({ files: [] })), [p.action]);
  const target: Target = useSelection ? { kind: "selection", ids: p.selected } : { kind: "filter", filter: p.filter, count: p.filterCount };
  const count = targetCount(target);
  const devices = count === null ? "the devices the filter matches" : plural(count, "device");

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await perform();
      p.onClose();
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  const perform = async () => {
    const task = (n: string, args: unknown, label: string) =>
      runBulkTask(target, { name: n, args }, label, (run) => p.onRun(run)).then((stop) => p.onRun(null, stop));
    switch (p.action) {
      case "refresh":
        return task("getParameterNames", { parameterPath: path.trim(), values: true }, `Refresh ${path.trim() || "all parameters"} on ${devices}`);
      case "reboot":
        return task("reboot", {}, `Reboot ${devices}`);
      case "set":
        if (name.trim() === "") throw new Error("Give the parameter's path.");
        return task("setParameterValues", { parameterValues: [{ name: name.trim(), value }] }, `Set ${name.trim()} on ${devices}`);
      case "download":
        if (fileId === "") throw new Error("Choose a file.");
        return task("download", { fileId }, `Push a file to ${devices}`);
      case "tag":
      case "untag": {
        if (!validTag(tag.trim())) throw new Error("A tag is 1 to 128 characters, without commas or control characters.");
        let matched = 0;
        for (const f of targetFilters(target)) {
          const r = await api.post<{ matched: number }>("/api/devices/tags", { ...selectionBody(f), [p.action === "tag" ? "add" : "remove"]: [tag.trim()] });
          matched += r.matched;
        }
        return p.onChanged(`${p.action === "tag" ? "Tagged" : "Untagged"} ${plural(matched, "device")} “${tag.trim()}”.`);
      }
      case "delete": {
        let deleted = 0;
        for (const f of targetFilters(target)) {
          const dry = await api.post<{ matched: number }>("/api/devices/delete", { ...selectionBody(f), dryRun: true });
          const r = await api.post<{ deleted: number }>("/api/devices/delete", { ...selectionBody(f), expected: dry.matched });
          deleted += r.deleted;
        }
        return p.onChanged(`Deleted ${plural(deleted, "device")}.`);
      }
    }
  };

  const verb = LABELS[p.action];
  return (
    <ConfirmDialog title={`${verb}: ${devices}`} confirmLabel={`${verb} ${devices}`} danger={p.action === "delete" || p.action === "reboot"} busy={busy} onConfirm={() => void confirm()} onCancel={p.onClose}>
      {p.selected.length > 0 && (
        <fieldset>
          <legend>Which devices</legend>
          <label class="row">
            <input type="radio" name="bulk-target" checked={useSelection} onChange={() => setUseSelection(true)} /> The {plural(p.selected.length, "selected device")}
          </label>
          <label class="row">
            <input type="radio" name="bulk-target" checked={!useSelection} onChange={() => setUseSelection(false)} /> Every device the filter matches{p.filterCount !== null ? ` (${p.filterCount.toLocaleString()})` : ""}
          </label>
        </fieldset>
      )}
      {p.action === "refresh" && (
        <Field id="bulk-path" label="Subtree to read again (empty: the whole tree)">
          <input id="bulk-path" class="mono" value={path} placeholder="Device.WiFi." onInput={(e) => setPath(e.currentTarget.value)} />
        </Field>
      )}
      {p.action === "set" && (
        <>
          <Field id="bulk-name" label="Parameter path">
            <input id="bulk-name" class="mono" required value={name} placeholder="Device.ManagementServer.PeriodicInformInterval" onInput={(e) => setName(e.currentTarget.value)} />
          </Field>
          <Field id="bulk-value" label="Value" hint="Checked against each device's type for the parameter before anything is sent.">
            <input id="bulk-value" class="mono" value={value} onInput={(e) => setValue(e.currentTarget.value)} aria-describedby="bulk-value-hint" />
          </Field>
        </>
      )}
      {p.action === "download" && (
        <Field id="bulk-file" label="File" hint={notForUsp(files.data?.files.find((f) => f.id === fileId)) ? USP_FILE_REASON : undefined}>
          <select id="bulk-file" value={fileId} onChange={(e) => setFileId(e.currentTarget.value)} aria-describedby={notForUsp(files.data?.files.find((f) => f.id === fileId)) ? "bulk-file-hint" : undefined}>
            <option value="">{files.loading ? "Loading files…" : files.data?.files.length ? "Choose a file" : "No file uploaded yet"}</option>
            {files.data?.files.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name} {f.version && `(${f.version})`} — {f.fileType}
                {notForUsp(f) ? " (not for USP devices)" : ""}
              </option>
            ))}
          </select>
        </Field>
      )}
      {(p.action === "tag" || p.action === "untag") && (
        <Field id="bulk-tag" label="Tag">
          <input id="bulk-tag" required value={tag} onInput={(e) => setTag(e.currentTarget.value)} />
        </Field>
      )}
      <p class="confirm-text" data-testid="confirm-text">
        {p.action === "delete"
          ? `This deletes ${devices} with their parameters, tasks and faults. It cannot be undone.`
          : p.action === "tag" || p.action === "untag"
            ? `This changes the tags of ${devices}.`
            : `This queues a task for ${devices} and wakes them with a connection request.`}
      </p>
      {error && (
        <p class="error-text" role="alert">
          {error}
        </p>
      )}
    </ConfirmDialog>
  );
}

/** USP devices take a firmware image only (Download() of a FirmwareImage): docs/usp.md, "One fleet". */
const USP_FILE_TYPE = "1 Firmware Upgrade Image";
const USP_FILE_REASON = "USP devices take firmware images only (their Download() command): on a USP device this file's task fails with fault 9000; CWMP devices take it.";
function notForUsp(f: FileRecord | undefined): boolean {
  return f !== undefined && f.fileType !== USP_FILE_TYPE;
}

/** The API's rule for tags (no control characters, no commas). */
export function validTag(tag: string): boolean {
  // eslint-disable-next-line no-control-regex
  return tag.length >= 1 && tag.length <= 128 && !/[\x00-\x1f,]/.test(tag);
}
