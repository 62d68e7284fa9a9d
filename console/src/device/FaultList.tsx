// The device's faults (their text comes from the device: shown as text, never as markup); operators
// clear them, or retry the task a fault belongs to.

import { useState } from "preact/hooks";
import { api, enc } from "../api/client.js";
import type { Fault } from "../api/types.js";
import { useCan } from "../auth.js";
import { Empty, describe } from "../components/States.js";
import { Table } from "../components/Table.js";
import { dateTime } from "../format.js";

export function FaultList({ faults, onChange }: { faults: Fault[]; onChange(): void }) {
  const canWrite = useCan("operator");
  const [error, setError] = useState<string | null>(null);
  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      onChange();
    } catch (err) {
      setError(describe(err));
    }
  };
  return (
    <section aria-labelledby="faults-title">
      <h2 id="faults-title">Faults</h2>
      {error && (
        <p class="error-text" role="alert">
          {error}
        </p>
      )}
      <Table
        caption="Faults of this device"
        rowKey={(f) => f.id}
        rows={faults}
        placeholder={faults.length === 0 ? <Empty>No faults.</Empty> : undefined}
        columns={[
          { key: "code", header: "Code", className: "mono", cell: (f) => f.code },
          { key: "message", header: "Message", cell: (f) => f.message },
          { key: "channel", header: "Channel", className: "mono", cell: (f) => f.channel },
          { key: "at", header: "When", cell: (f) => dateTime(f.at) },
          ...(canWrite
            ? [
                {
                  key: "actions",
                  header: "Actions",
                  cell: (f: Fault) => (
                    <span class="row">
                      {f.channel.startsWith("task:") && (
                        <button type="button" onClick={() => void act(() => api.post(`/api/tasks/${enc(f.channel.slice(5))}/retry`))}>
                          Retry task
                        </button>
                      )}
                      <button type="button" onClick={() => void act(() => api.del(`/api/faults/${enc(f.id)}`))}>
                        Clear
                      </button>
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
