// The CWMP codec's public face: bytes to typed envelopes and back, for both the ACS and the CPE role.

export { parseCwmp, serializeEnvelope, serializeEnvelopes, serializeMustUnderstandFault, cwmpNamespaceUri, DEFAULT_MAX_BYTES } from "./envelope.js";
export type { ParseOptions, ParseResult, SerializeOptions } from "./envelope.js";
export { CwmpError, CwmpRemoteError, CwmpLocalError } from "./errors.js";
export type { RemoteErrorCode, LocalErrorCode, ErrorPosition } from "./errors.js";
export { acsFaults, cpeFaults, faultName, soapFaultCode, cwmpFault, faultCodeName, faultMessage } from "./faults.js";
export { xsdTypes, xsdValue, fromJs, toJs, checkXsd, parseDateTime, formatDateTime, resolveXsiType } from "./values.js";
export { scanXml, defaultXmlLimits } from "./xml/scanner.js";
export type { XmlElement, XmlAttribute, XmlLimits, ScanResult } from "./xml/scanner.js";
export type { XsdType, XsdValue, JsValue, FormatOptions } from "./values.js";
export { charsetFromContentType } from "./xml/decode.js";
export { methodDefinedIn } from "./methods/index.js";
export { UNKNOWN_TIME, DEFAULT_PREFIXES, prefixProblems } from "./codec/write.js";
export type { Prefixes } from "./codec/write.js";
export type * from "./types.js";
