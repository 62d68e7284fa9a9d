// Previous / next paging with the count when known. Keyset paging (by id) has no page numbers.

export interface PagerProps {
  label: string;
  total: number | null;
  from: number;
  shown: number;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious(): void;
  onNext(): void;
}

export function Pager(p: PagerProps) {
  return (
    <nav class="pager" aria-label={`${p.label} pages`}>
      <span class="count" aria-live="polite">
        {p.shown === 0 ? "" : `${(p.from + 1).toLocaleString()}–${(p.from + p.shown).toLocaleString()}`}
        {p.total !== null ? ` of ${p.total.toLocaleString()}` : ""}
      </span>
      <button type="button" disabled={!p.hasPrevious} onClick={p.onPrevious}>
        Previous
      </button>
      <button type="button" disabled={!p.hasNext} onClick={p.onNext}>
        Next
      </button>
    </nav>
  );
}
