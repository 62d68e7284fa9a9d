// CWMP envelopes the benchmarks parse and serialize: bench:codec's payloads, and the reference work of
// bench:sessions' speed probe (speed-probe.ts).

import type { CwmpEnvelope, ParameterValueStruct } from "../../src/cwmp/index.js";
import { xsdValue, type XsdType } from "../../src/cwmp/values.js";

/** `count` values of the types a gateway reports, under Device.Hosts.Host. */
export function parameters(count: number): ParameterValueStruct[] {
  const types: [XsdType, (i: number) => string][] = [
    ["xsd:string", (i) => `value-${i} with some text & symbols`],
    ["xsd:unsignedInt", (i) => String(i * 7919)],
    ["xsd:boolean", (i) => (i % 2 ? "1" : "0")],
    ["xsd:dateTime", () => "2026-11-21T10:00:00Z"],
    ["xsd:int", (i) => String(-i)],
  ];
  const out: ParameterValueStruct[] = [];
  for (let i = 0; i < count; i++) {
    const [type, make] = types[i % types.length]!;
    out.push({ name: `Device.Hosts.Host.${Math.floor(i / 10) + 1}.X_Param${i % 10}`, value: xsdValue(type, make(i)) });
  }
  return out;
}

/** A periodic Inform with 30 parameters. */
export function informEnvelope(): CwmpEnvelope {
  return {
    ns: "1-0",
    header: { id: "1234567" },
    body: {
      method: "Inform",
      deviceId: { manufacturer: "Provisio", oui: "A1B2C3", productClass: "HGW", serialNumber: "SIM0000001" },
      event: [{ eventCode: "2 PERIODIC", commandKey: "" }],
      maxEnvelopes: 1,
      currentTime: "2026-11-21T10:00:00Z",
      retryCount: 0,
      parameterList: parameters(30),
    },
  };
}

/** A GetParameterValuesResponse with 1,000 parameters. */
export function gpvResponseEnvelope(): CwmpEnvelope {
  return { ns: "1-0", header: { id: "42" }, body: { method: "GetParameterValuesResponse", parameterList: parameters(1000) } };
}
