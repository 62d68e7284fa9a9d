// Secrets in task arguments (the values of secret parameters a setParameterValues sets, the passwords a
// download, upload or software install hands the device for its file server) must reach the CPE in
// clear, so they cannot be hashed like stored parameter values: they are sealed with the secrets key
// (secrets.ts) when the task is created, and opened only when a session sends the task. The store and
// the REST API only ever see the sealed form, "sealed:v1.<key id>....".

import { isSecretPath } from "../provisioning/secret-values.js";
import { TaskArgumentError } from "../session/index.js";
import type { JsonValue } from "../store/types.js";
import type { SecretBox } from "./secrets.js";
import { SecretError } from "./secrets.js";

const MARK = "sealed:";

/** Seals the secrets of a task's arguments for one device (sealTaskArgs with the process's key). */
export type SealArgs = (deviceId: string, name: string, args: JsonValue) => JsonValue;

type Obj = Record<string, JsonValue>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * A copy of `args` with `f` applied to each secret it holds (by task kind; anything else untouched).
 * Also used on the task arguments a session's state carries (session-secrets.ts).
 */
export function mapTaskSecrets(name: string, args: JsonValue, f: (value: string, where: string) => string): JsonValue {
  if (!isObj(args)) return args;
  const password = (o: Obj, where: string): Obj => (typeof o.password === "string" ? { ...o, password: f(o.password, where) } : o);
  switch (name) {
    case "setParameterValues": {
      if (!Array.isArray(args.parameterValues)) return args;
      const values = args.parameterValues.map((p, i) =>
        isObj(p) && typeof p.name === "string" && typeof p.value === "string" && isSecretPath(p.name) ? { ...p, value: f(p.value, `parameterValues/${i}/value`) } : p);
      return { ...args, parameterValues: values };
    }
    case "download":
    case "scheduleDownload":
    case "upload":
      return password(args, "password");
    case "changeDUState":
      if (!Array.isArray(args.operations)) return args;
      return { ...args, operations: args.operations.map((op, i) => (isObj(op) ? password(op, `operations/${i}/password`) : op)) };
    default:
      return args;
  }
}

/** Binds a sealed value to its device: moved into another device's task, it does not open. */
const context = (deviceId: string) => `task-arg:${deviceId}`;

/** Seals one secret for a device's task (or session state), unless empty or sealed already. */
export function sealSecret(box: SecretBox, deviceId: string, value: string): string {
  return value === "" || value.startsWith(MARK) ? value : MARK + box.seal(value, context(deviceId));
}

/** Opens one secret sealed by sealSecret (anything else as it is); throws SecretError when it does not open. */
export function openSecret(box: SecretBox, deviceId: string, value: string): string {
  return value.startsWith(MARK) ? box.open(value.slice(MARK.length), context(deviceId)) : value;
}

/** `args` with every secret sealed (empty ones and ones already sealed left as they are). */
export function sealTaskArgs(box: SecretBox, deviceId: string, name: string, args: JsonValue): JsonValue {
  return mapTaskSecrets(name, args, (v) => sealSecret(box, deviceId, v));
}

/**
 * `args` with every sealed secret opened, for sending. A value that does not open (altered in the
 * database) makes the task's arguments invalid: TaskArgumentError, which fails the task.
 */
export function openTaskArgs(box: SecretBox, deviceId: string, name: string, args: JsonValue): JsonValue {
  return mapTaskSecrets(name, args, (v, where) => {
    try {
      return openSecret(box, deviceId, v);
    } catch (err) {
      if (err instanceof SecretError) throw new TaskArgumentError(name, [`${where}: ${err.message}`]);
      throw err;
    }
  });
}
