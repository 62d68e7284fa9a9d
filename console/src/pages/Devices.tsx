// The device list: a filter, any parameter as a column, sort, paging that costs the same at any depth
// (keyset by id, the default order), CSV export of what is shown, and bulk actions with live progress.
// The filter, sort and columns live in the URL, so that a view can be bookmarked and shared.

import { useEffect, useState } from "preact/hooks";
import { ApiError, api, enc, query } from "../api/client.js";
import type { Device, DeviceList } from "../api/types.js";
import { ColumnChooser } from "../components/ColumnChooser.js";
import { FilterInput } from "../components/FilterInput.js";
import { OnlineBadge } from "../components/OnlineBadge.js";
import { Pager } from "../components/Pager.js";
import { ProtocolBadge } from "../components/ProtocolBadge.js";
import { Empty, ErrorState, Loading } from "../components/States.js";
import { Table, type Column, type Sort } from "../components/Table.js";
import { BulkActions } from "../devices/BulkActions.js";
import { BulkProgress } from "../devices/BulkProgress.js";
import { ProtocolFilter } from "../devices/ProtocolFilter.js";
import { SavedFilters } from "../devices/SavedFilters.js";
import type { BulkRun } from "../devices/bulk-run.js";
import { ago } from "../format.js";
import { Link, setSearch, useLocation, type Params } from "../router.js";
import { useApi } from "../useApi.js";

const PAGE = 50;

function parseSort(s: string | null): Sort | null {
  if (!s) return null;
  return s.startsWith("-") ? { key: s.slice(1), descending: true } : { key: s, descending: false };
}

export function DevicesPage(_p: { params: Params }) {
  const { search } = useLocation();
  const filter = search.get("filter") ?? "";
  const sortText = search.get("sort") ?? "";
  const columns = (search.get("columns") ?? "").split(",").filter(Boolean);
  const sort = parseSort(sortText);
  const byId = sort === null || (sort.key === "id" && !sort.descending);
  // Keyset cursors of the pages before this one (by id), or the offset (other orders).
  const [cursors, setCursors] = useState<string[]>([]);
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [run, setRun] = useState<BulkRun | null>(null);
  const [stopRun, setStopRun] = useState<(() => void) | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const after = cursors.length > 0 ? cursors[cursors.length - 1] : undefined;

  const state = { filter, sortText, columns: columns.join(",") };
  useEffect(() => {
    setCursors([]);
    setOffset(0);
    setSelected(new Set());
  }, [filter, sortText]);
  useEffect(() => () => stopRun?.(), [stopRun]);

  const list = useApi(
    (signal) =>
      api.get<DeviceList>(
        `/api/devices${query({ filter, sort: sortText, limit: PAGE, projection: state.columns, ...(byId ? { after } : { offset }) })}`,
        { signal },
      ),
    [filter, sortText, state.columns, after, offset],
  );
  // The count is its own call so that the page never waits for it (counting a million devices takes longer).
  const count = useApi((signal) => api.get<DeviceList>(`/api/devices${query({ filter, limit: 1, count: true })}`, { signal }), [filter]);
  const total = count.data?.total ?? null;

  const change = (o: Partial<typeof state>) => {
    const n = { ...state, ...o };
    setSearch({ filter: n.filter, sort: n.sortText, columns: n.columns });
  };
  const filterError =
    list.error instanceof ApiError && list.error.code.endsWith("FILTER_INVALID")
      ? { message: list.error.filterReason ?? list.error.message.replace(/^filter: /, ""), ...(list.error.filterColumn !== undefined ? { column: list.error.filterColumn } : {}) }
      : null;

  const cols: Column<Device>[] = [
    { key: "id", header: "Device", sort: "id", className: "mono", cell: (d) => <Link href={`/devices/${enc(d.id)}`}>{d.id}</Link> },
    { key: "online", header: "State", cell: (d) => <OnlineBadge device={d} /> },
    { key: "protocol", header: "Protocol", sort: "protocol", cell: (d) => <ProtocolBadge protocol={d.protocol} /> },
    { key: "productClass", header: "Product class", sort: "productClass", cell: (d) => d.productClass },
    { key: "lastInform", header: "Last Inform", sort: "lastInform", cell: (d) => <time dateTime={d.lastInformAt ?? undefined}>{ago(d.lastInformAt)}</time> },
    { key: "tags", header: "Tags", cell: (d) => d.tags.join(", ") },
    ...columns.map(
      (c): Column<Device> => ({
        key: `p:${c}`,
        header: c.split(".").slice(-2).join("."),
        sort: c,
        className: "mono",
        cell: (d) => d.parameters?.[c]?.value ?? "",
      }),
    ),
  ];

  const rows = list.data?.devices ?? [];
  const placeholder = list.loading && !list.data ? <Loading what="Loading devices" /> : filterError ? <Empty>Fix the filter to see devices.</Empty> : list.error ? <ErrorState error={list.error} retry={list.reload} /> : rows.length === 0 ? <Empty>{filter ? "No device matches this filter." : "No device has informed this ACS yet."}</Empty> : undefined;
  const exportHref = `/api/devices/export${query({ filter, columns: state.columns })}`;

  return (
    <section aria-labelledby="devices-title">
      <h1 id="devices-title">Devices</h1>
      {/* Saved filters are shared by every user: one scoped to a tenant may use them, not change them. */}
      <SavedFilters filter={filter} onApply={(f) => change({ filter: f })} />
      <div class="toolbar">
        <FilterInput value={filter} error={filterError} onApply={(f) => change({ filter: f })} />
        <ProtocolFilter filter={filter} onApply={(f) => change({ filter: f })} />
        <ColumnChooser columns={columns} onChange={(c) => change({ columns: c.join(",") })} />
        <a class="button" href={exportHref} download="devices.csv">
          Export CSV
        </a>
      </div>
      <BulkActions
        selected={[...selected]}
        filter={filter}
        filterCount={total}
        onRun={(r, stop) => {
          if (r) setRun(r);
          if (stop) setStopRun(() => stop);
        }}
        onChanged={(m) => {
          setMessage(m);
          setSelected(new Set());
          list.reload();
          count.reload();
        }}
      />
      {message && (
        <p class="notice" role="status">
          {message}
        </p>
      )}
      {run && (
        <BulkProgress
          run={run}
          onDismiss={() => {
            stopRun?.();
            setStopRun(null);
            setRun(null);
          }}
        />
      )}
      <Table
        caption={filter ? `Devices matching ${filter}` : "All devices"}
        columns={cols}
        rows={rows}
        rowKey={(d) => d.id}
        sort={sort ?? { key: "id", descending: false }}
        onSort={(s) => change({ sortText: s.key === "id" && !s.descending ? "" : `${s.descending ? "-" : ""}${s.key}` })}
        selected={selected}
        onSelect={setSelected}
        placeholder={placeholder}
      />
      <Pager
        label="Devices"
        total={total}
        from={byId ? cursors.length * PAGE : offset}
        shown={rows.length}
        hasPrevious={byId ? cursors.length > 0 : offset > 0}
        hasNext={byId ? Boolean(list.data?.next) : rows.length === PAGE}
        onPrevious={() => (byId ? setCursors(cursors.slice(0, -1)) : setOffset(Math.max(0, offset - PAGE)))}
        onNext={() => (byId ? setCursors([...cursors, list.data!.next!]) : setOffset(offset + PAGE))}
      />
    </section>
  );
}
