// A session's state goes to the store between exchanges (so that any process can carry it on), and it
// holds what is under way: the RPC sent or planned (a SetParameterValues with a Wi-Fi passphrase, the
// credentials bootstrap provisioning gives the device, a Download with its file server's password), the
// task arguments behind it, the values provisioning set. Those secrets go to the store sealed, like task
// arguments (task-secrets.ts), and are opened when the state is taken up again.

import type { CwmpMessage } from "../cwmp/index.js";
import { isSecretPath } from "../provisioning/secret-values.js";
import type { SessionState } from "../session/index.js";
import type { JsonValue } from "../store/types.js";
import type { SecretBox } from "./secrets.js";
import { mapTaskSecrets, openSecret, sealSecret } from "./task-secrets.js";

type Rpc = { request: CwmpMessage; origins: { name: string; args: JsonValue }[] };

function mapMessage(m: CwmpMessage, f: (v: string) => string): CwmpMessage {
  switch (m.method) {
    case "SetParameterValues":
      return { ...m, parameterList: m.parameterList.map((p) => (isSecretPath(p.name) ? { ...p, value: { ...p.value, text: f(p.value.text) } } : p)) };
    case "Download":
    case "ScheduleDownload":
    case "Upload":
      return { ...m, password: f(m.password) };
    case "ChangeDUState":
      return { ...m, operations: m.operations.map((op) => ("password" in op && typeof op.password === "string" ? { ...op, password: f(op.password) } : op)) };
    default:
      return m;
  }
}

function mapRpc<R extends Rpc>(r: R, f: (v: string) => string): R {
  return { ...r, request: mapMessage(r.request, f), origins: r.origins.map((o) => ({ ...o, args: mapTaskSecrets(o.name, o.args, f) })) };
}

/** Whether anything in the state can hold a secret: most states (reads) are passed through untouched. */
function mayHoldSecrets(s: SessionState): boolean {
  const writes = (m: CwmpMessage) => m.method === "SetParameterValues" || "password" in m || m.method === "ChangeDUState";
  return (s.pending !== null && writes(s.pending.request)) || s.queued.some((r) => writes(r.request))
    || Object.keys(s.provisioning?.engine.attempted ?? {}).some(isSecretPath) || (s.ahead !== undefined && mayHoldSecrets(s.ahead));
}

function mapState(s: SessionState, f: (v: string) => string): SessionState {
  if (!mayHoldSecrets(s)) return s;
  const out: SessionState = { ...s, pending: s.pending === null ? null : mapRpc(s.pending, f), queued: s.queued.map((r) => mapRpc(r, f)) };
  if (s.provisioning !== null) {
    const attempted = Object.fromEntries(Object.entries(s.provisioning.engine.attempted).map(([path, v]) => [path, isSecretPath(path) ? f(v) : v]));
    out.provisioning = { ...s.provisioning, engine: { ...s.provisioning.engine, attempted } };
  }
  if (s.ahead !== undefined) out.ahead = mapState(s.ahead, f);
  return out;
}

/** The state as it goes to the store: its secrets sealed for its device. */
export function sealSessionState(box: SecretBox, state: SessionState): SessionState {
  return mapState(state, (v) => sealSecret(box, state.deviceId, v));
}

/** A stored state with its secrets opened again (a state without sealed secrets comes back as it is). */
export function openSessionState(box: SecretBox, state: SessionState): SessionState {
  return mapState(state, (v) => openSecret(box, state.deviceId, v));
}
