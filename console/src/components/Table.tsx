// A data table: sortable columns (buttons in the headers, aria-sort), an optional selection column,
// and a fixed place for loading, empty and error states so that the page does not jump.

import type { ComponentChildren } from "preact";

export interface Column<T> {
  key: string;
  header: string;
  cell(row: T): ComponentChildren;
  /** The API's sort key; absent: not sortable. */
  sort?: string;
  className?: string;
}

export interface Sort {
  key: string;
  descending: boolean;
}

export interface TableProps<T> {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey(row: T): string;
  sort?: Sort | null;
  onSort?(sort: Sort): void;
  selected?: Set<string>;
  onSelect?(keys: Set<string>): void;
  /** Shown in the body instead of rows (loading, empty, error). */
  placeholder?: ComponentChildren;
}

export function Table<T>(p: TableProps<T>) {
  const selectable = p.selected !== undefined && p.onSelect !== undefined;
  const allSelected = selectable && p.rows.length > 0 && p.rows.every((r) => p.selected!.has(p.rowKey(r)));
  const toggle = (key: string) => {
    const next = new Set(p.selected);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    p.onSelect!(next);
  };
  const toggleAll = () => p.onSelect!(allSelected ? new Set() : new Set(p.rows.map(p.rowKey)));
  const span = p.columns.length + (selectable ? 1 : 0);
  return (
    <div class="table-wrap">
      <table class="table">
        <caption class="sr-only">{p.caption}</caption>
        <thead>
          <tr>
            {selectable && (
              <th scope="col" class="col-select">
                <input type="checkbox" aria-label="Select all devices on this page" checked={allSelected} onChange={toggleAll} />
              </th>
            )}
            {p.columns.map((c) => (
              <th scope="col" key={c.key} aria-sort={ariaSort(p.sort, c)}>
                {c.sort && p.onSort ? (
                  <button type="button" class="sort" onClick={() => p.onSort!({ key: c.sort!, descending: p.sort?.key === c.sort ? !p.sort?.descending : false })}>
                    {c.header}
                    <span aria-hidden="true">{p.sort?.key === c.sort ? (p.sort.descending ? " ▼" : " ▲") : ""}</span>
                  </button>
                ) : (
                  c.header
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {p.placeholder !== undefined ? (
            <tr>
              <td colSpan={span}>{p.placeholder}</td>
            </tr>
          ) : (
            p.rows.map((r) => {
              const key = p.rowKey(r);
              return (
                <tr key={key} class={selectable && p.selected!.has(key) ? "selected" : undefined}>
                  {selectable && (
                    <td class="col-select">
                      <input type="checkbox" aria-label={`Select ${key}`} checked={p.selected!.has(key)} onChange={() => toggle(key)} />
                    </td>
                  )}
                  {p.columns.map((c) => (
                    <td key={c.key} class={c.className}>
                      {c.cell(r)}
                    </td>
                  ))}
                </tr>
              );
            })
          )}
        </tbody>
      </table>
    </div>
  );
}

function ariaSort<T>(sort: Sort | null | undefined, c: Column<T>): "ascending" | "descending" | undefined {
  if (!sort || !c.sort || sort.key !== c.sort) return undefined;
  return sort.descending ? "descending" : "ascending";
}
