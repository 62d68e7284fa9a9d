// CodeMirror and its languages, loaded only when an editor opens (a chunk of its own), so that the
// other pages do not download it. Each editor lives in a shadow root: there CodeMirror styles itself
// with constructable stylesheets (adoptedStyleSheets), which the console's CSP allows, whereas in the
// document itself it would add <style> elements, which the CSP (no 'unsafe-inline') blocks.

import { javascript } from "@codemirror/lang-javascript";
import { json } from "@codemirror/lang-json";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import { basicSetup, EditorView } from "codemirror";

export interface EditorOptions {
  parent: HTMLElement;
  doc: string;
  language: "json" | "javascript";
  label: string;
  contentId: string;
  readOnly: boolean;
  onChange(value: string): void;
}

// The console's look for the editor (fonts, height), through CodeMirror's own theming.
const look = EditorView.theme({
  "&": { backgroundColor: "#fff", border: "1px solid #7a8591", borderRadius: "4px", maxHeight: "28rem" },
  "&.cm-focused": { outline: "2px solid #0b5cad" },
  ".cm-scroller": { fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, monospace', fontSize: "0.9rem" },
});

export function createEditor(o: EditorOptions): EditorView {
  const shadow = o.parent.shadowRoot ?? o.parent.attachShadow({ mode: "open" });
  return new EditorView({
    parent: shadow,
    root: shadow,
    state: EditorState.create({
      doc: o.doc,
      extensions: [
        basicSetup,
        look,
        o.language === "json" ? json() : javascript(),
        lintGutter(),
        EditorState.readOnly.of(o.readOnly),
        EditorView.editable.of(!o.readOnly),
        EditorView.contentAttributes.of({ "aria-label": o.label, id: o.contentId }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) o.onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
}

export function replaceText(v: EditorView, text: string): void {
  if (v.state.doc.toString() !== text) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text } });
}

/** Marks each error's whole line (1-based; null: the first). */
export function markErrors(v: EditorView, errors: { line: number | null; message: string }[]): void {
  const doc = v.state.doc;
  const diagnostics: Diagnostic[] = errors.map((e) => {
    const line = doc.line(Math.min(Math.max(e.line ?? 1, 1), doc.lines));
    return { from: line.from, to: line.to, severity: "error", message: e.message };
  });
  v.dispatch(setDiagnostics(v.state, diagnostics));
}
