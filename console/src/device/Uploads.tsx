// Files the device uploaded to the ACS (backups, logs). Their content may hold secrets: operators only.

import { api, enc } from "../api/client.js";
import type { Upload } from "../api/types.js";
import { useCan } from "../auth.js";
import { Empty, ErrorState } from "../components/States.js";
import { Table } from "../components/Table.js";
import { bytes, dateTime } from "../format.js";
import { useApi } from "../useApi.js";

export function Uploads({ deviceId, version }: { deviceId: string; version: number }) {
  const canRead = useCan("operator");
  const list = useApi((signal) => api.get<{ uploads: Upload[] }>(`/api/devices/${enc(deviceId)}/uploads`, { signal }), [deviceId, version]);
  const rows = list.data?.uploads ?? [];
  return (
    <section aria-labelledby="uploads-title">
      <h2 id="uploads-title">Files uploaded by the device</h2>
      <Table
        caption="Uploads of this device"
        rowKey={(u) => u.id}
        rows={rows}
        placeholder={list.error ? <ErrorState error={list.error} retry={list.reload} /> : !list.data ? <Empty>Loading…</Empty> : rows.length === 0 ? <Empty>The device has uploaded no file.</Empty> : undefined}
        columns={[
          {
            key: "name",
            header: "Name",
            className: "mono",
            cell: (u) => (canRead ? <a href={`/api/devices/${enc(deviceId)}/uploads/${enc(u.id)}/content`} download={u.name}>{u.name}</a> : u.name),
          },
          { key: "type", header: "Type", cell: (u) => u.fileType },
          { key: "size", header: "Size", cell: (u) => bytes(u.size) },
          { key: "at", header: "Uploaded", cell: (u) => dateTime(u.createdAt) },
        ]}
      />
    </section>
  );
}
