// Completion of parameter paths (GET /api/parameters/paths) and, in filters, device fields, for a text
// input: an ARIA combobox whose listbox is driven from the input (arrows move, Enter picks, Escape
// closes; aria-activedescendant names the active option, so focus never leaves the input).

import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, query } from "../api/client.js";

interface PathsAnswer {
  paths: { path: string; object: boolean }[];
  truncated: boolean;
  fields: { name: string; kind: string }[];
}

interface Option {
  value: string;
  /** What kind of thing it is, said beside it ("object", "field: text"). */
  note: string;
}

/** The word being typed at `caret` (a path or a field), or null inside a string literal. */
export function wordAt(text: string, caret: number): { start: number; end: number; word: string } | null {
  const before = text.slice(0, caret);
  const quotes = (before.match(/(?<!\\)"/g) ?? []).length;
  if (quotes % 2 === 1) return null;
  const start = caret - (/[A-Za-z0-9_.-]*$/.exec(before)?.[0].length ?? 0);
  const end = caret + (/^[A-Za-z0-9_.-]*/.exec(text.slice(caret))?.[0].length ?? 0);
  return { start, end, word: text.slice(start, caret) };
}

const LIMIT = 50;

export function usePathCompletion(o: { id: string; input: RefObject<HTMLInputElement | null>; text: string; setText(t: string): void; withFields: boolean }) {
  const [caret, setCaret] = useState(0);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [options, setOptions] = useState<Option[]>([]);
  const nextCaret = useRef<number | null>(null);
  const at = wordAt(o.text, caret);
  const word = at?.word ?? null;
  const listId = `${o.id}-completions`;

  useEffect(() => {
    setActive(-1);
    if (!open || word === null) {
      setOptions([]);
      return;
    }
    const abort = new AbortController();
    // Waits for a pause in the typing, so that each key does not cost a request.
    const timer = setTimeout(() => {
      api.get<PathsAnswer>(`/api/parameters/paths${query({ prefix: word, limit: LIMIT })}`, { signal: abort.signal }).then(
        (r) => {
          const fields = o.withFields && !word.includes(".") ? r.fields.filter((f) => f.name.toLowerCase().startsWith(word.toLowerCase())).map((f) => ({ value: f.name, note: `field: ${f.kind}` })) : [];
          setOptions([...fields, ...r.paths.map((p) => ({ value: p.path, note: p.object ? "object" : "parameter" }))]);
        },
        () => setOptions([]),
      );
    }, 120);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [open, word]);

  useEffect(() => {
    const el = o.input.current;
    if (el && nextCaret.current !== null) {
      el.setSelectionRange(nextCaret.current, nextCaret.current);
      setCaret(nextCaret.current);
      nextCaret.current = null;
    }
  }, [o.text]);

  const pick = (i: number) => {
    const chosen = options[i];
    if (!chosen || !at) return;
    o.setText(o.text.slice(0, at.start) + chosen.value + o.text.slice(at.end));
    nextCaret.current = at.start + chosen.value.length;
    // An object's children are the next thing to choose from; a leaf is done.
    setOpen(chosen.value.endsWith("."));
  };
  const shown = open && options.length > 0;
  const sync = (e: { currentTarget: HTMLInputElement }) => setCaret(e.currentTarget.selectionStart ?? e.currentTarget.value.length);

  return {
    /** Spread on the input; call `typed` from its onInput. */
    inputProps: {
      role: "combobox" as const,
      "aria-autocomplete": "list" as const,
      "aria-expanded": shown,
      "aria-controls": listId,
      "aria-activedescendant": shown && active >= 0 ? `${listId}-${active}` : undefined,
      onKeyUp: sync,
      onClick: sync,
      onBlur: () => setOpen(false),
      onKeyDown: (e: KeyboardEvent) => {
        if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          e.preventDefault();
          if (!shown) {
            setCaret((e.currentTarget as HTMLInputElement).selectionStart ?? o.text.length);
            setOpen(true);
            return;
          }
          const n = options.length;
          setActive((a) => (e.key === "ArrowDown" ? (a + 1) % n : a <= 0 ? n - 1 : a - 1));
        } else if (e.key === "Enter" && shown && active >= 0) {
          e.preventDefault();
          pick(active);
        } else if (e.key === "Enter") {
          // The form is submitted: what it shows next is not under a list of completions.
          setOpen(false);
        } else if (e.key === "Escape" && shown) {
          e.preventDefault();
          e.stopPropagation();
          setOpen(false);
        }
      },
    },
    typed(e: { currentTarget: HTMLInputElement }) {
      sync(e);
      // Typing opens the list once there is a word to complete; arrow down opens it on nothing typed.
      const el = e.currentTarget;
      setOpen(Boolean(wordAt(el.value, el.selectionStart ?? el.value.length)?.word));
    },
    list: (
      <ul id={listId} role="listbox" aria-label="Completions" class="completions card" hidden={!shown}>
        {options.map((opt, i) => (
          <li
            key={opt.value}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === active}
            class="mono"
            // mousedown, not click: the input keeps focus, so the list is not closed by its blur first.
            onMouseDown={(e) => {
              e.preventDefault();
              pick(i);
            }}
          >
            {opt.value} <span class="muted">{opt.note}</span>
          </li>
        ))}
      </ul>
    ),
  };
}
