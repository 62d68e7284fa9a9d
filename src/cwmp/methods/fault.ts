// The SOAP Fault with the CWMP Fault detail, sent by either side.

import { codec } from "../codec/method.js";
import type { Reader } from "../codec/read.js";
import type { Fault } from "../types.js";
import type { XmlElement } from "../xml/scanner.js";

function readDetail(cwmpFault: XmlElement, r: Reader, path: string): Fault["detail"] {
  const spvFaults = r.all(cwmpFault, "SetParameterValuesFault").map((s, i) => {
    const p = `${path}/SetParameterValuesFault[${i}]`;
    return { parameterName: r.string(s, "ParameterName", p), faultCode: r.uint(s, "FaultCode", p), faultString: r.optionalString(s, "FaultString") ?? "" };
  });
  return {
    faultCode: r.uint(cwmpFault, "FaultCode", path),
    faultString: r.optionalString(cwmpFault, "FaultString") ?? "",
    ...(spvFaults.length > 0 ? { setParameterValuesFault: spvFaults } : {}),
  };
}

export const fault = codec(
  "Fault",
  "1-0",
  (el, r, path) => {
    // Some implementations put the cwmp:Fault straight in the Body, without the SOAP wrapper.
    if (r.has(el, "FaultCode") && !r.has(el, "detail")) {
      r.warn("cwmp Fault without a SOAP Fault wrapper");
      return { faultcode: "Client", faultstring: "CWMP fault", detail: readDetail(el, r, path) };
    }
    const code = r.string(el, "faultcode", path).trim();
    const detail = r.child(el, "detail");
    const cwmpFault = detail === undefined ? undefined : r.child(detail, "Fault");
    if (cwmpFault === undefined) r.warn(`${path} carries no CWMP fault detail`);
    return {
      faultcode: code.slice(code.indexOf(":") + 1),
      faultstring: r.optionalString(el, "faultstring") ?? "",
      detail: cwmpFault === undefined ? { faultCode: 0, faultString: "" } : readDetail(cwmpFault, r, `${path}/detail/Fault`),
    };
  },
  (m, w) => {
    w.str("faultcode", m.faultcode);
    w.str("faultstring", m.faultstring);
    w.raw(`<detail><${w.cwmp}:Fault>`);
    w.uint("FaultCode", m.detail.faultCode);
    w.str("FaultString", m.detail.faultString);
    for (const f of m.detail.setParameterValuesFault ?? []) {
      w.raw("<SetParameterValuesFault>");
      w.str("ParameterName", f.parameterName);
      w.uint("FaultCode", f.faultCode);
      w.str("FaultString", f.faultString);
      w.raw("</SetParameterValuesFault>");
    }
    w.raw(`</${w.cwmp}:Fault></detail>`);
  },
);
