// A dry run against a chosen device: the RPCs it would get if it connected now (nothing is sent), what
// the ACS would first have to read, and faults scripts would raise. Operators only (it runs scripts).

import { useState } from "preact/hooks";
import { api, enc } from "../api/client.js";
import { describedBy, Field } from "../components/Field.js";
import { describe } from "../components/States.js";
import type { DryRun } from "./types.js";
import { ScrollText } from "../components/ScrollText.js";

export function DryRunPanel({ preset }: { preset?: string }) {
  const [deviceId, setDeviceId] = useState("");
  const [events, setEvents] = useState("");
  const [result, setResult] = useState<DryRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async () => {
    setError(null);
    setResult(null);
    if (deviceId.trim() === "") return setError("Name a device.");
    setBusy(true);
    try {
      const body: { presets?: string[]; events?: string[] } = {};
      if (preset) body.presets = [preset];
      const ev = events.split(",").map((e) => e.trim()).filter(Boolean);
      if (ev.length) body.events = ev;
      setResult(await api.post<DryRun>(`/api/devices/${enc(deviceId.trim())}/provisioning/dry-run`, body));
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="dry-run-title">
      <h2 id="dry-run-title">Dry run</h2>
      <p class="muted">{preset ? `What this preset would send to a device now, matched or not.` : "What the presets that match a device would send to it now."} Nothing is sent.</p>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <div class="grow">
          <Field id="dry-run-device" label="Device id" error={error}>
            <input id="dry-run-device" value={deviceId} onInput={(e) => setDeviceId(e.currentTarget.value)} aria-describedby={describedBy("dry-run-device", false, error !== null)} />
          </Field>
        </div>
        <Field id="dry-run-events" label="Inform events (optional)" hint='e.g. "1 BOOT"'>
          <input id="dry-run-events" value={events} onInput={(e) => setEvents(e.currentTarget.value)} aria-describedby="dry-run-events-hint" />
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          Run
        </button>
      </form>
      {result && (
        <div data-dry-run="done">
          <p role="status">
            {result.rpcs.length === 0 ? "The device would get no RPC." : `The device would get ${result.rpcs.length} RPC${result.rpcs.length === 1 ? "" : "s"}`}
            {result.provisions.length > 0 && ` from ${result.provisions.map((p) => `${p.name} (${p.preset})`).join(", ")}`}.
          </p>
          <ol class="rpcs">
            {result.rpcs.map((r, i) => (
              <li key={i}>
                <strong>{String(r.method ?? "RPC")}</strong>
                <ScrollText class="result" label={`RPC ${i + 1}: ${String(r.method ?? "RPC")}`}>{JSON.stringify(r, null, 2)}</ScrollText>
              </li>
            ))}
          </ol>
          {result.toRead.length > 0 && (
            <>
              <h3>Read first</h3>
              <ul class="mono">{result.toRead.map((p) => <li key={p}>{p}</li>)}</ul>
            </>
          )}
          {result.faults.length > 0 && (
            <>
              <h3>Faults</h3>
              <ul class="error-text">{result.faults.map((f, i) => <li key={i}>{`${f.code}: ${f.message}`}</li>)}</ul>
            </>
          )}
          {result.virtualParameters.length > 0 && (
            <>
              <h3>Virtual parameters</h3>
              <ul class="mono">{result.virtualParameters.map((v) => <li key={v.path}>{`${v.path} = ${v.value} (${v.type})`}</li>)}</ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}
