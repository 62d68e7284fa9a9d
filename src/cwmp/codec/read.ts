// Reading typed fields out of scanned elements, tolerant of what real devices send: children are
// matched by local name whatever their prefix or namespace, array sizes come from counting children
// (soapenc:arrayType is unreliable), a missing field reads as empty with a warning, and only a value
// that cannot mean anything (a word where a number or boolean belongs) is an error.

import { CwmpRemoteError } from "../errors.js";
import type { XmlElement } from "../xml/scanner.js";

export class Reader {
  readonly warnings: string[];
  constructor(warnings: string[]) {
    this.warnings = warnings;
  }

  warn(message: string): void {
    if (this.warnings.length < 64) this.warnings.push(message);
  }

  invalid(path: string, message: string): never {
    throw new CwmpRemoteError("CWMP_INVALID_FIELD", message, { path });
  }

  /** The first child with this local name. */
  child(el: XmlElement, local: string): XmlElement | undefined {
    const c = el.children;
    for (let i = 0; i < c.length; i++) if (c[i]!.local === local) return c[i];
    return undefined;
  }

  has(el: XmlElement, local: string): boolean {
    return this.child(el, local) !== undefined;
  }

  /** Text of a child; "" and a warning when it is missing. */
  string(el: XmlElement, local: string, path: string): string {
    const c = this.child(el, local);
    if (c === undefined) {
      this.warn(`${path}/${local} is missing`);
      return "";
    }
    return c.text;
  }

  /** Text of an optional child, undefined when absent. */
  optionalString(el: XmlElement, local: string): string | undefined {
    return this.child(el, local)?.text;
  }

  /** An integer child; 0 and a warning when missing or empty, an error when it is not a number. */
  int(el: XmlElement, local: string, path: string, min = -2147483648, max = 4294967295): number {
    const c = this.child(el, local);
    const t = c === undefined ? "" : c.text.trim();
    if (t.length === 0) {
      this.warn(`${path}/${local} is ${c === undefined ? "missing" : "empty"}; read as 0`);
      return 0;
    }
    if (!/^[+-]?\d+$/.test(t)) this.invalid(`${path}/${local}`, `"${t}" is not an integer`);
    const n = Number(t);
    if (n < min || n > max) this.invalid(`${path}/${local}`, `${t} is out of range [${min}, ${max}]`);
    return n;
  }

  uint(el: XmlElement, local: string, path: string): number {
    return this.int(el, local, path, 0, 4294967295);
  }

  optionalInt(el: XmlElement, local: string, path: string): number | undefined {
    return this.has(el, local) ? this.int(el, local, path) : undefined;
  }

  /** A boolean child: true/false/1/0 in any case; false and a warning when missing. */
  bool(el: XmlElement, local: string, path: string): boolean {
    const c = this.child(el, local);
    if (c === undefined) {
      this.warn(`${path}/${local} is missing; read as false`);
      return false;
    }
    return this.boolText(c.text, `${path}/${local}`);
  }

  /**
   * true/false/1/0 in any case. Other numbers read as C reads them (non-zero is true), with a warning:
   * a real Cisco femtocell answers Writable "30" once in 227 entries, and one such flag must not cost
   * the whole response.
   */
  boolText(text: string, path: string): boolean {
    const t = text.trim().toLowerCase();
    if (t === "1" || t === "true") return true;
    if (t === "0" || t === "false") return false;
    if (t === "") {
      this.warn(`${path} is empty; read as false`);
      return false;
    }
    if (/^[+-]?\d+$/.test(t)) {
      this.warn(`${path} is "${text}", not a boolean; read as ${Number(t) !== 0}`);
      return Number(t) !== 0;
    }
    return this.invalid(path, `"${text}" is not a boolean`);
  }

  /** The element children of an array-valued child (none when the child is missing). */
  items(el: XmlElement, local: string, path: string): XmlElement[] {
    const c = this.child(el, local);
    if (c === undefined) {
      this.warn(`${path}/${local} is missing; read as empty`);
      return [];
    }
    return c.children;
  }

  /** All children with this local name (for fields that repeat without an array wrapper). */
  all(el: XmlElement, local: string): XmlElement[] {
    return el.children.filter((c) => c.local === local);
  }
}
