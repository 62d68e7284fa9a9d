// One device: identity and state, tags, the parameter tree, running tasks, tasks and faults, files it
// uploaded, its recent sessions and diagnostics. Its events on the stream (Informs, task results,
// faults, diagnostics) reload what they change.

import { useEffect, useRef, useState } from "preact/hooks";
import { api, enc } from "../api/client.js";
import { subscribe } from "../api/events.js";
import type { DeviceDetail } from "../api/types.js";
import { useCan } from "../auth.js";
import { ErrorState, Loading } from "../components/States.js";
import { Diagnostics } from "../device/Diagnostics.js";
import { FaultList } from "../device/FaultList.js";
import { Identity } from "../device/Identity.js";
import { ParameterTree } from "../device/ParameterTree.js";
import { SessionLog } from "../device/SessionLog.js";
import { Tags } from "../device/Tags.js";
import { TaskList } from "../device/TaskList.js";
import { TaskRunner } from "../device/TaskRunner.js";
import { Uploads } from "../device/Uploads.js";
import { Link, type Params } from "../router.js";
import { useApi } from "../useApi.js";

type Tab = "parameters" | "tasks" | "faults" | "files" | "sessions" | "diagnostics";
const TABS: [Tab, string][] = [
  ["parameters", "Parameters"],
  ["tasks", "Tasks"],
  ["faults", "Faults"],
  ["files", "Files"],
  ["sessions", "Sessions"],
  ["diagnostics", "Diagnostics"],
];

export function DevicePage({ params }: { params: Params }) {
  const id = params.id ?? "";
  const canWrite = useCan("operator");
  const [version, setVersion] = useState(0);
  const [tab, setTab] = useState<Tab>("parameters");
  const [live, setLive] = useState(false);
  const detail = useApi((signal) => api.get<DeviceDetail>(`/api/devices/${enc(id)}?parameters=none&events=10`, { signal }), [id, version]);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(
    () =>
      subscribe({
        deviceId: id,
        onState: setLive,
        // Events come in bursts (a session's Inform, values, task results): reload once per burst.
        onEvent: () => {
          if (pending.current) return;
          pending.current = setTimeout(() => {
            pending.current = null;
            setVersion((v) => v + 1);
          }, 300);
        },
      }),
    [id],
  );

  if (detail.loading && !detail.data) return <Loading what="Loading the device" />;
  if (detail.error && !detail.data) {
    return (
      <section>
        <h1>Device</h1>
        <ErrorState error={detail.error} retry={detail.reload} />
        <p>
          <Link href="/devices">Back to the devices</Link>
        </p>
      </section>
    );
  }
  const d = detail.data!;
  return (
    <section aria-labelledby="device-title">
      <p class="breadcrumb">
        <Link href="/devices">Devices</Link> /
      </p>
      <div class="row">
        <h1 id="device-title" class="mono grow device-id">
          {d.device.id}
        </h1>
        <span class="live" aria-live="polite">
          {live ? "Live" : "Connecting to live updates…"}
        </span>
      </div>
      <Identity detail={d} />
      <Tags deviceId={id} tags={d.device.tags} onChange={() => detail.reload()} />
      <div class="tabs" role="tablist" aria-label="Device sections">
        {TABS.map(([t, label]) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`tab-${t}`}
            aria-selected={tab === t}
            aria-controls={`panel-${t}`}
            tabIndex={tab === t ? 0 : -1}
            onClick={() => setTab(t)}
            onKeyDown={(e) => {
              const i = TABS.findIndex(([x]) => x === t);
              const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
              if (step === 0) return;
              const next = TABS[(i + step + TABS.length) % TABS.length]![0];
              setTab(next);
              document.getElementById(`tab-${next}`)?.focus();
            }}
          >
            {label}
            {t === "faults" && d.faults.length > 0 ? ` (${d.faults.length})` : ""}
            {t === "tasks" && d.pendingTasks > 0 ? ` (${d.pendingTasks} pending)` : ""}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "parameters" && <ParameterTree deviceId={id} version={version} />}
        {tab === "tasks" && (
          <div class="columns">
            <TaskList deviceId={id} version={version} />
            {canWrite && <TaskRunner deviceId={id} version={version} protocol={d.device.protocol} />}
          </div>
        )}
        {tab === "faults" && <FaultList faults={d.faults} onChange={() => detail.reload()} />}
        {tab === "files" && <Uploads deviceId={id} version={version} />}
        {tab === "sessions" && <SessionLog deviceId={id} version={version} />}
        {tab === "diagnostics" && <Diagnostics deviceId={id} version={version} protocol={d.device.protocol} />}
      </div>
    </section>
  );
}
