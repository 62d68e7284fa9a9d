import type { CwmpMethodName, MessageOf } from "../types.js";
import type { XmlElement } from "../xml/scanner.js";
import type { Reader } from "./read.js";
import type { Writer } from "./write.js";

/** Reads and writes the children of one RPC element. */
export interface MethodCodec<N extends CwmpMethodName = CwmpMethodName> {
  readonly name: N;
  /** The first cwmp namespace whose schema defines the element. */
  readonly since: "1-0" | "1-1" | "1-2";
  read(el: XmlElement, r: Reader, path: string): MessageOf<N>;
  write(m: MessageOf<N>, w: Writer): void;
}

export function codec<N extends CwmpMethodName>(
  name: N,
  since: MethodCodec["since"],
  read: (el: XmlElement, r: Reader, path: string) => Omit<MessageOf<N>, "method">,
  write: (m: MessageOf<N>, w: Writer) => void,
): MethodCodec<N> {
  return {
    name,
    since,
    read: (el, r, path) => ({ method: name, ...read(el, r, path) }) as MessageOf<N>,
    write,
  };
}

/** A method with no arguments (GetRPCMethods, RebootResponse, ...). */
export function emptyCodec<N extends CwmpMethodName>(name: N, since: MethodCodec["since"]): MethodCodec<N> {
  return {
    name,
    since,
    read: () => ({ method: name }) as MessageOf<N>,
    write: () => {},
  };
}
