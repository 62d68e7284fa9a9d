// Loads something from the API for a component: its data, loading and error states, and a reload.
// A newer load wins over an older one still in flight.

import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
  /** Replaces the data (an update from the event stream) without loading. */
  set(data: T): void;
}

export function useApi<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  const latest = useRef(0);

  useEffect(() => {
    const abort = new AbortController();
    const mine = ++latest.current;
    setLoading(true);
    load(abort.signal).then(
      (d) => {
        if (mine !== latest.current) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== latest.current || (err as Error).name === "AbortError") return;
        setError(err);
        setLoading(false);
      },
    );
    return () => abort.abort();
  }, [...deps, round]);

  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, loading, reload, set: setData };
}
