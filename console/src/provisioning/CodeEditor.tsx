// A CodeMirror 6 editor for JSON documents and provision scripts (in a shadow root: codemirror.ts says
// why). Errors are marked at their line in the editor and listed under it as text, so that
// they are read out too.

import type { EditorView } from "@codemirror/view";
import type * as Cm from "./codemirror.js";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { Loading } from "../components/States.js";

export interface LineError {
  /** 1-based; null: the error is about the whole text. */
  line: number | null;
  message: string;
}

export interface CodeEditorProps {
  id: string;
  label: string;
  language: "json" | "javascript";
  value: string;
  onChange?(value: string): void;
  readOnly?: boolean;
  errors?: LineError[];
}

export function CodeEditor(p: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const [cm, setCm] = useState<typeof Cm | null>(null);
  const view = useRef<EditorView | null>(null);
  const onChange = useRef(p.onChange);
  onChange.current = p.onChange;
  const latest = useRef(p.value);
  latest.current = p.value;

  useEffect(() => {
    void import("./codemirror.js").then(setCm);
  }, []);

  useEffect(() => {
    if (!cm) return;
    const v = cm.createEditor({
      parent: host.current!,
      doc: latest.current,
      language: p.language,
      label: p.label,
      contentId: `${p.id}-content`,
      readOnly: p.readOnly === true,
      onChange: (text) => onChange.current?.(text),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
  }, [cm, p.language, p.readOnly]);

  // A value from outside (a loaded version) replaces the text; the editor's own edits come back equal.
  // In the commit of the render that carries it, not after paint: a passive effect still pending when
  // the next edit arrives (two keystrokes within a frame, on a busy machine) is run by the next render
  // with the older text, which its echo through onChange turns into an endless undo and redo.
  useLayoutEffect(() => {
    if (cm && view.current) cm.replaceText(view.current, p.value);
  }, [cm, p.value]);

  useEffect(() => {
    if (cm && view.current) cm.markErrors(view.current, p.errors ?? []);
  }, [cm, p.errors, p.language]);

  const errors = p.errors ?? [];
  return (
    <div class="code-field">
      {/* The editable element is in the shadow root, out of a label's reach: it carries the label itself. */}
      <div class="code-label" aria-hidden="true">
        {p.label}
      </div>
      {!cm && <Loading what="Loading the editor" />}
      <div class="code-editor" ref={host} data-editor={p.id} data-ready={cm ? "true" : undefined} />
      {errors.length > 0 && (
        <ul class="error-text plain" id={`${p.id}-errors`} role="alert">
          {errors.map((e, i) => (
            <li key={i}>{e.line !== null ? `Line ${e.line}: ${e.message}` : e.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Splits the API's document problems: "... (line 2, column 6)" are the script's own lines. */
export function scriptErrors(problems: string[]): { script: LineError[]; other: string[] } {
  const script: LineError[] = [];
  const other: string[] = [];
  for (const p of problems) {
    const m = /^(.*?)\s*\(line (\d+), column (\d+)\)\s*$/s.exec(p);
    if (m) script.push({ line: Number(m[2]), message: `${m[1]} (column ${m[3]})` });
    else other.push(p);
  }
  return { script, other };
}
