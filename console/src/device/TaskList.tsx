// The device's tasks, newest last as the API lists them, with cancel and retry for operators.

import { useState } from "preact/hooks";
import { api, enc } from "../api/client.js";
import type { Task } from "../api/types.js";
import { useCan } from "../auth.js";
import { Empty, ErrorState, describe } from "../components/States.js";
import { Table } from "../components/Table.js";
import { ago } from "../format.js";
import { useApi } from "../useApi.js";

const CANCELLABLE = new Set(["pending", "waiting"]);
const RETRYABLE = new Set(["failed", "expired", "cancelled"]);

export function TaskList({ deviceId, version }: { deviceId: string; version: number }) {
  const canWrite = useCan("operator");
  const list = useApi((signal) => api.get<{ tasks: Task[] }>(`/api/tasks?deviceId=${enc(deviceId)}&limit=100`, { signal }), [deviceId, version]);
  const [error, setError] = useState<string | null>(null);
  const act = async (t: Task, what: "cancel" | "retry") => {
    setError(null);
    try {
      await api.post(`/api/tasks/${enc(t.id)}/${what}`);
      list.reload();
    } catch (err) {
      setError(describe(err));
    }
  };
  const tasks = list.data?.tasks ?? [];
  return (
    <section aria-labelledby="tasks-title">
      <h2 id="tasks-title">Tasks</h2>
      {error && (
        <p class="error-text" role="alert">
          {error}
        </p>
      )}
      <Table
        caption="Tasks of this device"
        rowKey={(t) => t.id}
        rows={tasks}
        placeholder={list.error ? <ErrorState error={list.error} retry={list.reload} /> : !list.data ? <Empty>Loading tasks…</Empty> : tasks.length === 0 ? <Empty>No tasks.</Empty> : undefined}
        columns={[
          { key: "name", header: "Task", cell: (t) => t.name },
          { key: "status", header: "Status", cell: (t) => <span class={`badge ${t.status === "failed" ? "badge-failed" : ""}`}>{t.status}</span> },
          { key: "created", header: "Created", cell: (t) => ago(t.createdAt) },
          { key: "attempts", header: "Attempts", cell: (t) => `${t.attempts} of ${t.maxAttempts}` },
          { key: "fault", header: "Last fault", cell: (t) => (t.lastFault ? `${t.lastFault.code}: ${t.lastFault.message}` : "") },
          ...(canWrite
            ? [
                {
                  key: "actions",
                  header: "Actions",
                  cell: (t: Task) => (
                    <span class="row">
                      {CANCELLABLE.has(t.status) && (
                        <button type="button" onClick={() => void act(t, "cancel")} aria-label={`Cancel task ${t.name} ${t.id}`}>
                          Cancel
                        </button>
                      )}
                      {RETRYABLE.has(t.status) && (
                        <button type="button" onClick={() => void act(t, "retry")} aria-label={`Retry task ${t.name} ${t.id}`}>
                          Retry
                        </button>
                      )}
                    </span>
                  ),
                },
              ]
            : []),
        ]}
      />
    </section>
  );
}
