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

/** The cwmp:Fault of a SOAP Fault whose detail is not where SOAP puts it (inside faultstring, say). */
function strayDetail(soapFault: XmlElement): { el: XmlElement; under: string } | undefined {
  // `under`: the SOAP Fault's child it was found in, which is where the sender went wrong.
  const queue = soapFault.children.map((c) => ({ el: c, under: c.local }));
  for (let seen = 0; queue.length > 0 && seen < 64; seen++) {
    const { el, under } = queue.shift()!;
    if (el.local === "Fault" && el.children.some((c) => c.local === "FaultCode")) return { el, under };
    for (const c of el.children) queue.push({ el: c, under });
  }
  return undefined;
}

/** The detail, or undefined when its FaultCode is missing or no number (the fault is then unreadable). */
function readSalvaged(cwmpFault: XmlElement, r: Reader, path: string): Fault["detail"] | undefined {
  const code = r.child(cwmpFault, "FaultCode")?.text.trim() ?? "";
  if (!/^\d{1,9}$/.test(code)) return undefined;
  return readDetail(cwmpFault, r, path);
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
    const faultcode = code.slice(code.indexOf(":") + 1);
    const faultstring = r.optionalString(el, "faultstring") ?? "";
    const detail = r.child(el, "detail");
    let cwmpFault = detail === undefined ? undefined : r.child(detail, "Fault");
    if (cwmpFault === undefined) {
      const stray = strayDetail(el);
      if (stray !== undefined) r.warn(`${path} has its CWMP fault detail out of place (inside <${stray.under}>); its code is read from there`);
      cwmpFault = stray?.el;
    }
    const read = cwmpFault === undefined ? undefined : readSalvaged(cwmpFault, r, `${path}/detail/Fault`);
    if (read === undefined) {
      // Code 0 is TR-069's success: `unreadable` says that this one is a fault whose code nobody could read.
      r.warn(`${path} carries no readable CWMP fault detail`);
      return { faultcode, faultstring, detail: { faultCode: 0, faultString: "" }, unreadable: { faultcode: code, faultstring } };
    }
    return { faultcode, faultstring, detail: read };
  },
  (m, w) => {
    w.str("faultcode", m.faultcode);
    w.str("faultstring", m.faultstring);
    // As it came: a detail made up now would carry a code the sender never gave.
    if (m.unreadable !== undefined) return;
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
