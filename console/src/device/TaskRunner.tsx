// Runs any task on the device with a connection request, and shows its result when it arrives (the
// page's event stream bumps `version`, and an unfinished task is read again). A USP device is not
// offered the kinds USP has no operation for (docs/usp.md, "One fleet"): they would only fail.

import { useEffect, useState } from "preact/hooks";
import { api, enc } from "../api/client.js";
import type { Protocol, Task } from "../api/types.js";
import { Field } from "../components/Field.js";
import { describe } from "../components/States.js";
import { runDeviceTask, taskOutcome } from "./run-task.js";
import { ScrollText } from "../components/ScrollText.js";

/** Each kind with an example of its arguments (the OpenAPI document has their schemas). */
const KINDS: Record<string, unknown> = {
  getParameterValues: { parameterNames: ["Device.DeviceInfo."] },
  getParameterNames: { parameterPath: "Device.DeviceInfo.", values: true },
  setParameterValues: { parameterValues: [{ name: "Device.ManagementServer.PeriodicInformInterval", value: 300 }] },
  getParameterAttributes: { parameterNames: ["Device.DeviceInfo.SoftwareVersion"] },
  setParameterAttributes: { parameters: [{ name: "Device.DeviceInfo.SoftwareVersion", notification: 2 }] },
  addObject: { objectName: "Device.NAT.PortMapping." },
  deleteObject: { objectName: "Device.NAT.PortMapping.1." },
  reboot: {},
  factoryReset: {},
  download: { fileId: "" },
  upload: { fileType: "1 Vendor Configuration File" },
  scheduleInform: { delaySeconds: 60 },
  getRPCMethods: {},
  getAllQueuedTransfers: {},
};

/** The task kinds a USP device fails with fault 9000 (docs/usp.md's table): CWMP RPCs USP has no message for. */
const NOT_USP = new Set(["upload", "scheduleInform", "scheduleDownload", "cancelTransfer", "changeDUState", "getQueuedTransfers", "getAllQueuedTransfers", "setVouchers", "getOptions"]);

const FINAL = new Set(["done", "failed", "cancelled", "expired"]);

export function TaskRunner({ deviceId, version, protocol }: { deviceId: string; version: number; protocol: Protocol }) {
  const unsupported = protocol === "usp" ? Object.keys(KINDS).filter((k) => NOT_USP.has(k)) : [];
  const [kind, setKind] = useState("getRPCMethods");
  const [args, setArgs] = useState(JSON.stringify(KINDS.getRPCMethods, null, 2));
  const [argsError, setArgsError] = useState<string | null>(null);
  const [task, setTask] = useState<Task | null>(null);
  const [status, setStatus] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!task || FINAL.has(task.status)) return;
    api.get<Task>(`/api/tasks/${enc(task.id)}`).then((t) => {
      setTask(t);
      setStatus(taskOutcome(t));
    }, () => undefined);
  }, [version]);

  const run = async (e: Event) => {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(args);
    } catch (err) {
      setArgsError(`The arguments are not JSON: ${(err as Error).message}`);
      return;
    }
    setArgsError(null);
    setBusy(true);
    setStatus(`Running ${kind}…`);
    try {
      const t = await runDeviceTask(deviceId, kind, parsed);
      setTask(t);
      setStatus(taskOutcome(t));
    } catch (err) {
      setStatus("");
      setArgsError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="run-title" class="card">
      <h2 id="run-title">Run a task</h2>
      <form onSubmit={(e) => void run(e)} class="dialog-body">
        <Field id="task-kind" label="Task" hint={unsupported.length > 0 ? `Not offered: ${unsupported.join(", ")}. USP devices have no such operation (docs/usp.md).` : undefined}>
          <select
            id="task-kind"
            value={kind}
            aria-describedby={unsupported.length > 0 ? "task-kind-hint" : undefined}
            onChange={(e) => {
              const k = e.currentTarget.value;
              setKind(k);
              setArgs(JSON.stringify(KINDS[k] ?? {}, null, 2));
            }}
          >
            {Object.keys(KINDS).map((k) => (
              <option key={k} value={k} disabled={unsupported.includes(k)}>
                {unsupported.includes(k) ? `${k} (not for USP devices)` : k}
              </option>
            ))}
          </select>
        </Field>
        <Field id="task-args" label="Arguments (JSON)" error={argsError}>
          <textarea id="task-args" class="mono" rows={5} spellcheck={false} value={args} onInput={(e) => setArgs(e.currentTarget.value)} aria-invalid={argsError ? true : undefined} aria-describedby={argsError ? "task-args-error" : undefined} />
        </Field>
        <div class="row">
          <button type="submit" class="primary" disabled={busy}>
            Run with a connection request
          </button>
        </div>
      </form>
      <p role="status" aria-live="polite" data-testid="task-status">
        {status}
      </p>
      {task && FINAL.has(task.status) && task.result !== null && task.result !== undefined && (
        <details open>
          <summary>Result</summary>
          <ScrollText class="mono result" label="The task's result">{JSON.stringify(task.result, null, 2)}</ScrollText>
        </details>
      )}
    </section>
  );
}
