// Types for the part of @xmpp/client (0.14, shipped without types) that connreq uses. They describe
// only that subset; widen them here when more is needed.

declare module "@xmpp/client" {
  import type { EventEmitter } from "node:events";

  export interface XmlElement {
    name: string;
    attrs: Record<string, string | undefined>;
    children: (XmlElement | string)[];
    getChild(name: string, xmlns?: string): XmlElement | undefined;
    getChildElements(): XmlElement[];
    getChildText(name: string, xmlns?: string): string | null;
    text(): string;
    is(name: string, xmlns?: string): boolean;
    toString(): string;
  }

  export function xml(
    name: string,
    attrs?: Record<string, string | undefined> | null,
    ...children: (XmlElement | string)[]
  ): XmlElement;

  export interface Jid {
    local: string;
    domain: string;
    resource: string;
    bare(): Jid;
    toString(): string;
  }

  export interface IqContext {
    stanza: XmlElement;
    element: XmlElement;
  }

  /** What an IQ handler returns: a child for the result, an `error` element, or a truthy value
   * for an empty result; nothing (undefined) makes the library answer service-unavailable. */
  export type IqHandlerReply = XmlElement | boolean | undefined;

  export interface XmppClient extends EventEmitter {
    status: string;
    jid: Jid | null;
    /** Milliseconds the library waits for stream open and close. */
    timeout: number;
    start(): Promise<Jid>;
    stop(): Promise<unknown>;
    send(element: XmlElement): Promise<void>;
    reconnect: { stop(): void };
    /** The transport socket while connected. */
    socket: { destroy(): void; setNoDelay?(noDelay?: boolean): unknown; setKeepAlive?(enable?: boolean, initialDelay?: number): unknown } | null;
    iqCallee: {
      get(xmlns: string, name: string, handler: (ctx: IqContext) => IqHandlerReply | Promise<IqHandlerReply>): void;
      set(xmlns: string, name: string, handler: (ctx: IqContext) => IqHandlerReply | Promise<IqHandlerReply>): void;
    };
  }

  export interface ClientOptions {
    service: string;
    domain?: string;
    username?: string;
    password?: string;
    resource?: string;
    /** Milliseconds the library waits for stream open and close. */
    timeout?: number;
    /** Chooses the SASL mechanism (among those both sides support) and authenticates. */
    credentials?: (
      authenticate: (credentials: { username: string; password: string }, mechanism: string | undefined) => Promise<void>,
      mechanisms: string[],
    ) => Promise<void>;
  }

  export function client(options: ClientOptions): XmppClient;
}
