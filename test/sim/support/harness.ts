// Drives a simulated CPE the way the runtime will: ACS messages go through the codec's bytes
// (serializeEnvelope, then parseCwmp) before the CPE sees them, and so do the CPE's replies, so every
// envelope a test exchanges is one the codec accepts on the wire.

import assert from "node:assert/strict";
import {
  parseCwmp,
  serializeEnvelope,
  type CwmpEnvelope,
  type CwmpMessage,
  type CwmpNamespaceVersion,
  type Inform,
  type MessageOf,
} from "../../../src/cwmp/index.js";
import { Cpe, type CpeEffect, type CpeOptions, type SessionOutput } from "../../../src/sim/cpe.js";
import { makeIdentity, type IdentityOptions } from "../../../src/sim/identity.js";
import type { DeviceModel } from "../../../src/sim/model.js";
import { tr098Gateway, tr181Gateway } from "../../../src/sim/models/index.js";

export const T0 = Date.parse("2024-05-01T10:00:00Z");

let tr181: DeviceModel | undefined;
let tr098: DeviceModel | undefined;
export const models = {
  get tr181(): DeviceModel {
    return (tr181 ??= tr181Gateway());
  },
  get tr098(): DeviceModel {
    return (tr098 ??= tr098Gateway());
  },
};

export interface DeviceOptions extends CpeOptions {
  model?: DeviceModel;
  index?: number;
  identity?: IdentityOptions;
}

export function newCpe(o: DeviceOptions = {}): Cpe {
  const model = o.model ?? models.tr181;
  return new Cpe(model, makeIdentity(model.identityDefaults, { acsUrl: "http://acs.example.net:7547/", ...o.identity }, o.index ?? 0), o);
}

/** Serializes and parses back: what the other side reads from the bytes. */
export function wire(env: CwmpEnvelope): CwmpEnvelope {
  const parsed = parseCwmp(serializeEnvelope(env));
  assert.equal(parsed.envelopes.length, 1);
  return parsed.envelopes[0]!;
}

/** An ACS envelope written by hand, for what the codec refuses to write (unknown methods, bad values). */
export function rawAcs(bodyXml: string, ns: CwmpNamespaceVersion = "1-2"): CwmpEnvelope {
  const xml =
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema"` +
    ` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"` +
    ` xmlns:cwmp="urn:dslforum-org:cwmp-${ns}"><soapenv:Header><cwmp:ID soapenv:mustUnderstand="1">raw</cwmp:ID></soapenv:Header>` +
    `<soapenv:Body>${bodyXml}</soapenv:Body></soapenv:Envelope>`;
  return parseCwmp(xml).envelopes[0]!;
}

/** A SetParameterValues with one value written as given (any xsi:type, any text). */
export function rawSpv(name: string, xsiType: string, text: string): CwmpEnvelope {
  return rawAcs(
    `<cwmp:SetParameterValues><ParameterList soapenc:arrayType="cwmp:ParameterValueStruct[1]"><ParameterValueStruct><Name>${name}</Name>` +
      `<Value xsi:type="${xsiType}">${text}</Value></ParameterValueStruct></ParameterList><ParameterKey>raw</ParameterKey></cwmp:SetParameterValues>`,
  );
}

let acsId = 0;
export function fromAcs(body: CwmpMessage, ns: CwmpNamespaceVersion = "1-2", holdRequests?: boolean): CwmpEnvelope {
  return wire({ ns, header: { id: `acs-${++acsId}`, ...(holdRequests === undefined ? {} : { holdRequests }) }, body });
}

/** A device switched on: returns it with the effects of power-on. */
export function poweredOn(o: DeviceOptions = {}, now = T0): { cpe: Cpe; effects: CpeEffect[] } {
  const cpe = newCpe(o);
  const effects = cpe.powerOn(now);
  return { cpe, effects };
}

/** Starts a session; returns the Inform as the ACS reads it. */
export function inform(cpe: Cpe, now: number): Inform {
  const env = wire(cpe.startSession(now));
  assert.equal(env.body?.method, "Inform");
  return env.body as Inform;
}

export function receive(cpe: Cpe, env: CwmpEnvelope | null, now: number): SessionOutput {
  const out = cpe.receive(env, now);
  if (!out.done && out.reply !== null) {
    const back = wire(out.reply);
    return { ...out, reply: back };
  }
  return out;
}

/** Inform, InformResponse: the CPE's next POST is returned (null for the empty POST). */
export function openSession(cpe: Cpe, now: number, ns: CwmpNamespaceVersion = "1-2", holdRequests?: boolean): { inform: Inform; next: CwmpEnvelope | null } {
  const inf = inform(cpe, now);
  const out = receive(cpe, fromAcs({ method: "InformResponse", maxEnvelopes: 1 }, ns, holdRequests), now);
  assert.equal(out.done, false);
  return { inform: inf, next: out.done ? null : out.reply };
}

/** Sends an ACS request in an open session and returns the CPE's answer. */
export function call<M extends CwmpMessage>(cpe: Cpe, request: M, now: number, ns: CwmpNamespaceVersion = "1-2"): CwmpMessage {
  const out = receive(cpe, fromAcs(request, ns), now);
  assert.equal(out.done, false, "the session ended instead of answering");
  if (out.done) throw new Error("unreachable");
  assert.notEqual(out.reply, null, "the CPE answered a request with an empty POST");
  return out.reply!.body!;
}

/** The ACS's empty response: the session ends. */
export function close(cpe: Cpe, now: number): CpeEffect[] {
  const out = receive(cpe, null, now);
  assert.equal(out.done, true, "the session did not end on the ACS's empty response");
  return out.effects;
}

/** A whole session with only these requests; returns the answers, the Inform and the effects at the end. */
export function session(cpe: Cpe, now: number, requests: CwmpMessage[] = [], ns: CwmpNamespaceVersion = "1-2"): {
  inform: Inform;
  answers: CwmpMessage[];
  effects: CpeEffect[];
} {
  const { inform: inf, next } = openSession(cpe, now, ns);
  assert.equal(next, null, `the CPE sent ${next?.body?.method} before the empty POST`);
  const answers = requests.map((r) => call(cpe, r, now, ns));
  const effects = close(cpe, now);
  return { inform: inf, answers, effects };
}

export function as<M extends CwmpMessage["method"]>(m: CwmpMessage, method: M): MessageOf<M> {
  assert.equal(m.method, method, m.method === "Fault" ? `Fault ${m.detail.faultCode}: ${m.detail.faultString}` : `got ${m.method}`);
  return m as MessageOf<M>;
}

export function faultCode(m: CwmpMessage): number {
  const f = as(m, "Fault");
  return f.detail.faultCode;
}

export function eventCodes(i: Inform): string[] {
  return i.event.map((e) => (e.commandKey === "" ? e.eventCode : `${e.eventCode}:${e.commandKey}`));
}

export function values(m: CwmpMessage): Record<string, string> {
  return Object.fromEntries(as(m, "GetParameterValuesResponse").parameterList.map((p) => [p.name, p.value.text]));
}

export const S = (name: string, text: string, type: "xsd:string" | "xsd:unsignedInt" | "xsd:int" | "xsd:boolean" | "xsd:dateTime" = "xsd:string") =>
  ({ name, value: { type, text } });
