// Fault injection for reliability tests: a share of sessions misbehave on purpose, each in one way.
//
//   cpe-fault   the first RPC the ACS sends in the session is answered with a CPE Fault (9002 Internal
//               error) instead of its response; the session then goes on normally
//   slow        every POST of the session waits before it is sent
//   drop        the POST after the InformResponse is cut off halfway and the connection closed
//   malformed   the POST after the InformResponse carries XML that does not parse
//
// A dropped or malformed session counts as failed (the CPE gives up on it and retries with back-off,
// as a real one would); a cpe-fault or slow session completes unless the ACS gives up on it.

import { nextRandom } from "../rng.js";

export const FAULT_KINDS = ["cpe-fault", "slow", "drop", "malformed"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultOptions {
  /** Share of sessions with a fault, 0..1. */
  rate: number;
  /** Kinds to choose from (evenly). Default all. */
  kinds?: readonly FaultKind[];
  /** Delay of each POST in a slow session (real time). Default 2,000 ms. */
  slowMs?: number;
  /** The CPE fault code of cpe-fault. Default 9002. */
  cpeFaultCode?: number;
}

export function isFaultKind(s: string): s is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(s);
}

/** The body of a malformed POST: an envelope cut off in the middle of a tag. */
export const MALFORMED_XML =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"' +
  ' xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><soapenv:Header><cwmp:ID soapenv:mustUnderstand="1">1</cwmp:ID></soapenv:Header>' +
  "<soapenv:Body><cwmp:GetParameterValuesResponse><ParameterList><ParameterValueStruct><Name>Device.DeviceInfo.</Na";

/** Decides, from a seeded generator, which sessions misbehave and how. */
export class FaultPicker {
  private state: number;
  private readonly kinds: readonly FaultKind[];

  constructor(private readonly o: FaultOptions, seed: number) {
    this.state = seed >>> 0;
    this.kinds = o.kinds !== undefined && o.kinds.length > 0 ? o.kinds : FAULT_KINDS;
  }

  private random(): number {
    const [s, v] = nextRandom(this.state);
    this.state = s;
    return v;
  }

  /** The fault of the next session, or undefined for a well-behaved one. */
  pick(): FaultKind | undefined {
    if (!(this.o.rate > 0)) return undefined;
    if (this.random() >= this.o.rate) return undefined;
    return this.kinds[Math.floor(this.random() * this.kinds.length)]!;
  }

  get slowMs(): number {
    return this.o.slowMs ?? 2_000;
  }

  get cpeFaultCode(): number {
    return this.o.cpeFaultCode ?? 9002;
  }
}
