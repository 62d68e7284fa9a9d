// A scenario: timed steps that happen to devices during a run (`provisio sim --scenario FILE`), so
// that a user can watch an ACS react to a value change, an alarm, a silent device or a reboot.
//
//   { "steps": [
//     { "at": 30, "device": 0, "set": { "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1.Value": "92" } },
//     { "at": 35, "raise": { "eventType": "Environmental Alarm", "probableCause": "Temperature unacceptable", "perceivedSeverity": "Critical" } },
//     { "at": 90, "devices": [0, 2], "clear": { "eventType": "Environmental Alarm", "probableCause": "Temperature unacceptable" } },
//     { "at": 120, "silence": true }, { "at": 600, "resume": true }, { "at": 700, "reboot": true } ] }
//
// `at` is in seconds from the start (the simulation's clock); a step without `device` or `devices`
// applies to every device. parseScenario checks everything it can against the model before the run
// starts; what only a running device can refuse (clearing an alarm it does not have) is a warning.

import { SimError } from "../errors.js";
import { SEVERITIES, type AlarmKey, type AlarmSpec } from "../fault-mgmt.js";
import { templateOf, type DeviceModel } from "../model.js";
import type { SimClock, TimerHandle } from "./clock.js";
import { SimSetupError } from "./errors.js";
import type { DeviceControls } from "./simulation.js";

export type ScenarioAction =
  | { kind: "set"; values: Array<[string, string]> }
  | { kind: "raise"; alarm: AlarmSpec }
  | { kind: "clear"; alarm: AlarmKey }
  | { kind: "silence" }
  | { kind: "resume" }
  | { kind: "reboot" };

export interface ScenarioStep {
  atMs: number;
  /** Device indexes; undefined: every device. */
  devices: number[] | undefined;
  action: ScenarioAction;
}

export interface Scenario {
  steps: ScenarioStep[];
}

/** What a scenario drives: a simulation's devices. */
export interface ScenarioTarget {
  readonly devices: readonly DeviceControls[];
}

const ACTIONS = ["set", "raise", "clear", "silence", "resume", "reboot"] as const;
const ALARM_FIELDS = ["eventType", "probableCause", "specificProblem", "perceivedSeverity", "managedObjectInstance", "additionalText", "additionalInformation"];
const KEY_FIELDS = ["alarmIdentifier", "eventType", "probableCause", "specificProblem"];

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads a scenario (JSON text) for `devices` devices of `model`; SimSetupError says what is wrong and where. */
export function parseScenario(text: string, model: DeviceModel, devices: number, source = "the scenario"): Scenario {
  const bad = (m: string) => new SimSetupError("SIM_OPTIONS_INVALID", `${source}: ${m}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message})`);
  }
  if (!isObject(doc) || !Array.isArray(doc.steps)) throw bad('expected an object with "steps": [...]');
  const extra = Object.keys(doc).filter((k) => k !== "steps");
  if (extra.length > 0) throw bad(`unknown field ${JSON.stringify(extra[0])}`);
  const steps = doc.steps.map((raw: unknown, i) => {
    const where = (m: string) => bad(`step ${i + 1}: ${m}`);
    if (!isObject(raw)) throw where("expected an object");
    return parseStep(raw, model, devices, where);
  });
  return { steps };
}

function parseStep(raw: Json, model: DeviceModel, count: number, where: (m: string) => SimSetupError): ScenarioStep {
  const actions = ACTIONS.filter((a) => a in raw);
  if (actions.length !== 1) throw where(`expected exactly one of ${ACTIONS.join(", ")}`);
  const unknown = Object.keys(raw).find((k) => k !== "at" && k !== "device" && k !== "devices" && k !== actions[0]);
  if (unknown !== undefined) throw where(`unknown field ${JSON.stringify(unknown)}`);
  const at = raw.at;
  if (typeof at !== "number" || !Number.isFinite(at) || at < 0) throw where('"at" must be a number of seconds, 0 or more');
  if ("device" in raw && "devices" in raw) throw where('give "device" or "devices", not both');
  let devices: number[] | undefined;
  if ("device" in raw || "devices" in raw) {
    const list = "device" in raw ? [raw.device] : raw.devices;
    if (!Array.isArray(list) || list.length === 0) throw where('"devices" must be a list of device indexes');
    for (const d of list) {
      if (!Number.isSafeInteger(d) || (d as number) < 0 || (d as number) >= count) throw where(`no device ${JSON.stringify(d)}: indexes go from 0 to ${count - 1}`);
    }
    devices = list as number[];
  }
  return { atMs: Math.round(at * 1000), devices, action: parseAction(actions[0]!, raw[actions[0]!], model, where) };
}

function parseAction(kind: (typeof ACTIONS)[number], v: unknown, model: DeviceModel, where: (m: string) => SimSetupError): ScenarioAction {
  switch (kind) {
    case "set": {
      if (!isObject(v) || Object.keys(v).length === 0) throw where('"set" must map parameter paths to values');
      const values: Array<[string, string]> = [];
      for (const [path, value] of Object.entries(v)) {
        if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") throw where(`the value of ${path} must be a string, a number or a boolean`);
        if (model.paramAt(templateOf(path)) === undefined) throw where(`the model ${model.name} has no parameter ${path}`);
        values.push([path, String(value)]);
      }
      return { kind, values };
    }
    case "raise":
      return { kind, alarm: alarmFields(v, ALARM_FIELDS, model, where, "raise") as unknown as AlarmSpec };
    case "clear": {
      const key = alarmFields(v, KEY_FIELDS, model, where, "clear");
      if (key.alarmIdentifier !== undefined && Object.keys(key).length > 1) throw where('"clear" names an alarm by "alarmIdentifier" alone, or by its eventType, probableCause and specificProblem');
      return { kind, alarm: key as unknown as AlarmKey };
    }
    default:
      if (v !== true) throw where(`"${kind}" must be true`);
      return { kind };
  }
}

function alarmFields(v: unknown, allowed: readonly string[], model: DeviceModel, where: (m: string) => SimSetupError, kind: string): Record<string, string> {
  if (model.objectAt(`${model.root.path}FaultMgmt.CurrentAlarm.{i}.`) === undefined) throw where(`the model ${model.name} has no FaultMgmt alarms`);
  if (!isObject(v)) throw where(`"${kind}" must be an object`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!allowed.includes(k)) throw where(`"${kind}" has no field ${JSON.stringify(k)} (fields: ${allowed.join(", ")})`);
    if (typeof x !== "string") throw where(`"${kind}".${k} must be a string`);
    out[k] = x;
  }
  if (out.alarmIdentifier === undefined && (out.eventType === undefined || out.probableCause === undefined)) {
    throw where(`"${kind}" needs eventType and probableCause${kind === "clear" ? " (or alarmIdentifier)" : ""}`);
  }
  if (out.perceivedSeverity !== undefined && !(SEVERITIES as readonly string[]).includes(out.perceivedSeverity)) {
    throw where(`perceivedSeverity ${JSON.stringify(out.perceivedSeverity)} is not one of ${SEVERITIES.join(", ")}`);
  }
  return out;
}

/**
 * Runs the steps on the clock, from now (steps due at the same time in file order, as both clocks run
 * timers); `warn` hears what a device refused. Returns the cancel function.
 */
export function startScenario(target: ScenarioTarget, scenario: Scenario, clock: SimClock, warn: (message: string) => void): () => void {
  const timers = new Set<TimerHandle>();
  scenario.steps.forEach((step, n) => {
    const timer = clock.setTimer(() => {
      timers.delete(timer);
      const indexes = step.devices ?? target.devices.map((_, i) => i);
      for (const i of indexes) {
        try {
          apply(target.devices[i]!, step.action);
        } catch (e) {
          if (!(e instanceof SimError)) throw e;
          warn(`scenario step ${n + 1} (at ${step.atMs / 1000} s), device ${i}: ${e.message}`);
        }
      }
    }, step.atMs);
    timers.add(timer);
  });
  return () => {
    for (const t of timers) clock.clearTimer(t);
    timers.clear();
  };
}

function apply(dev: DeviceControls, a: ScenarioAction): void {
  switch (a.kind) {
    case "set":
      for (const [path, value] of a.values) dev.setValue(path, value);
      return;
    case "raise":
      dev.raiseAlarm(a.alarm);
      return;
    case "clear":
      dev.clearAlarm(a.alarm);
      return;
    case "silence":
      dev.silence();
      return;
    case "resume":
      dev.resume();
      return;
    case "reboot":
      dev.reboot();
  }
}
