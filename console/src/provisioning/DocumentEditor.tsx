// Edits one preset or provision: the document as JSON, and a script provision's script in its own
// JavaScript editor (so that its compile errors land on the script's own lines). Saving sends the
// version that was read in If-Match: a change someone made meanwhile is refused, not overwritten.

import { useEffect, useState } from "preact/hooks";
import { api, ApiError, enc } from "../api/client.js";
import { useCan } from "../auth.js";
import { describe } from "../components/States.js";
import { CodeEditor, scriptErrors, type LineError } from "./CodeEditor.js";
import { pretty } from "./diff.js";
import { KIND_LABEL, type DocKind, type StoredDoc } from "./types.js";

export interface DocumentEditorProps {
  kind: DocKind;
  name: string;
  /** What is stored (null: nothing yet, or deleted). */
  stored: StoredDoc | null;
  onSaved(doc: StoredDoc): void;
}

function hasScript(doc: Record<string, unknown>): boolean {
  return typeof doc.script === "string";
}

function split(doc: Record<string, unknown>): { json: string; script: string | null } {
  if (!hasScript(doc)) return { json: pretty(doc), script: null };
  const { script, ...rest } = doc;
  return { json: pretty(rest), script: script as string };
}

/** What a new document starts as. */
export function template(kind: DocKind, name: string): Record<string, unknown> {
  return kind === "presets"
    ? { name, enabled: true, weight: 0, filter: "", events: [], provisions: [] }
    : { name, kind: "declarative", declarations: [{ path: "Device.ManagementServer.PeriodicInformInterval", value: 3600 }] };
}

export function DocumentEditor({ kind, name, stored, onSaved }: DocumentEditorProps) {
  const canEdit = useCan("admin");
  const start = split(stored?.document ?? template(kind, name));
  const [json, setJson] = useState(start.json);
  const [script, setScript] = useState<string | null>(start.script);
  const [jsonErrors, setJsonErrors] = useState<LineError[]>([]);
  const [scriptErrs, setScriptErrs] = useState<LineError[]>([]);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  // Another version loaded (a save, a revert): the editors show it.
  useEffect(() => {
    const s = split(stored?.document ?? template(kind, name));
    setJson(s.json);
    setScript(s.script);
  }, [stored?.version, stored === null]);

  const save = async () => {
    setMessage(null);
    setJsonErrors([]);
    setScriptErrs([]);
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(json) as Record<string, unknown>;
    } catch (err) {
      const line = /line (\d+)/.exec((err as Error).message);
      setJsonErrors([{ line: line ? Number(line[1]) : null, message: `not JSON: ${(err as Error).message}` }]);
      return;
    }
    // A script typed into the JSON itself wins; else the script editor's text is the document's.
    if (script !== null && !hasScript(doc) && (doc.kind === "script" || doc.kind === "virtual")) doc = { ...doc, script };
    setBusy(true);
    try {
      const saved = await api.put<StoredDoc>(`/api/${kind}/${enc(name)}`, doc, { headers: { "if-match": `"${stored?.version ?? 0}"` } });
      setMessage({ ok: true, text: `Saved as version ${saved.version}.` });
      onSaved(saved);
    } catch (err) {
      const problems = err instanceof ApiError ? (err.details as { problems?: unknown } | undefined)?.problems : undefined;
      if (Array.isArray(problems)) {
        const { script: lines, other } = scriptErrors(problems.map(String));
        if (script !== null) setScriptErrs(lines);
        setJsonErrors([...(script === null ? lines : []), ...other.map((m) => ({ line: null, message: m }))]);
        setMessage({ ok: false, text: `The ${KIND_LABEL[kind].one} is not valid; nothing was saved.` });
      } else if (err instanceof ApiError && err.code === "PROVISIO_ERR_VERSION_CONFLICT") {
        setMessage({ ok: false, text: "Someone saved another version meanwhile; nothing was saved. Reload to see it (your text is lost on reload: copy it first)." });
      } else setMessage({ ok: false, text: describe(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="doc-editor-title" class="doc-editor">
      <h2 id="doc-editor-title">{stored ? `Version ${stored.version}` : `New ${KIND_LABEL[kind].one}`}</h2>
      <CodeEditor id="doc-json" label="Document (JSON)" language="json" value={json} onChange={setJson} readOnly={!canEdit} errors={jsonErrors} />
      {script !== null && <CodeEditor id="doc-script" label="Script" language="javascript" value={script} onChange={setScript} readOnly={!canEdit} errors={scriptErrs} />}
      {canEdit && (
        <div class="row">
          <button type="button" class="primary" disabled={busy} onClick={() => void save()}>
            Save
          </button>
          {kind === "provisions" && script === null && (
            <button
              type="button"
              onClick={() => {
                setJson(pretty({ name, kind: "script" }));
                setScript('const interval = get("Device.ManagementServer.PeriodicInformInterval");\n');
              }}
            >
              Make it a script
            </button>
          )}
        </div>
      )}
      {message && (
        <p class={message.ok ? "notice" : "error-text"} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      )}
    </section>
  );
}
