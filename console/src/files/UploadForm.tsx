// Uploads a file (admins): its SHA-256 is computed in the browser and sent along, so that the server
// refuses a file that arrived different from the one chosen. Where the browser has no Web Crypto
// (a page served over plain HTTP from another host than localhost), the file goes without it and the
// server's checksum is shown.

import { useState } from "preact/hooks";
import { api, query } from "../api/client.js";
import { describedBy, Field } from "../components/Field.js";
import { describe } from "../components/States.js";
import { bytes } from "../format.js";
import { FILE_TYPES, type StoredFile } from "./types.js";

async function sha256(file: Blob): Promise<string | null> {
  if (!globalThis.crypto?.subtle) return null;
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function UploadForm({ onUploaded }: { onUploaded(f: StoredFile): void }) {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [fileType, setFileType] = useState(FILE_TYPES[0]!);
  const [version, setVersion] = useState("");
  const [productClass, setProductClass] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const upload = async () => {
    setError(null);
    setStatus(null);
    if (!file) return setError("Choose a file.");
    setBusy(true);
    try {
      setStatus("Computing the checksum…");
      const sum = await sha256(file);
      setStatus(`Uploading ${bytes(file.size)}…`);
      const q = query({ name: name.trim() || file.name, fileType, version: version.trim(), productClass: productClass.trim(), sha256: sum ?? undefined });
      const stored = await api.post<StoredFile>(`/api/files${q}`, undefined, { raw: file });
      setStatus(`Uploaded ${stored.name}: SHA-256 ${stored.sha256}${sum ? " (checked)" : ""}.`);
      onUploaded(stored);
    } catch (err) {
      setStatus(null);
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="card upload-form"
      aria-labelledby="upload-title"
      onSubmit={(e) => {
        e.preventDefault();
        void upload();
      }}
    >
      <h2 id="upload-title">Upload a file</h2>
      <Field id="upload-file" label="File to upload" error={error}>
        <input
          id="upload-file"
          type="file"
          aria-describedby={describedBy("upload-file", false, error !== null)}
          onChange={(e) => {
            const f = e.currentTarget.files?.[0] ?? null;
            setFile(f);
            if (f && name === "") setName(f.name);
          }}
        />
      </Field>
      <Field id="upload-name" label="Name">
        <input id="upload-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <Field id="upload-type" label="File type">
        <select id="upload-type" value={fileType} onChange={(e) => setFileType(e.currentTarget.value)}>
          {FILE_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </Field>
      <Field id="upload-version" label="Version" hint="Firmware: the SoftwareVersion devices report after it, checked after their reboot">
        <input id="upload-version" value={version} onInput={(e) => setVersion(e.currentTarget.value)} aria-describedby="upload-version-hint" />
      </Field>
      <Field id="upload-class" label="Product class (optional)">
        <input id="upload-class" value={productClass} onInput={(e) => setProductClass(e.currentTarget.value)} />
      </Field>
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>
          Upload
        </button>
        {status && (
          <span role="status" class="mono">
            {status}
          </span>
        )}
      </div>
    </form>
  );
}
