// Where `provisio import genieacs` reads a GenieACS installation: a running NBI (paged GETs), or a
// folder of its JSON exports (docs/genieacs-migration.md has the layout). Devices come as a stream,
// a page or a line at a time, so that a large fleet is never whole in memory.

import { createReadStream, existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import type { ReadableStream as WebStream } from "node:stream/web";
import { CliError } from "./cli-store.js";

export type Collection = "presets" | "provisions" | "virtual_parameters" | "files";

export interface GenieSource {
  /** For messages: the folder or the URL. */
  readonly where: string;
  /** A whole collection (they are small); [] when the source has none. */
  list(c: Collection): Promise<unknown[]>;
  devices(): AsyncIterable<unknown>;
  /** A file's content; throws when the source has none for it. */
  content(name: string): Promise<{ stream: AsyncIterable<Uint8Array>; size?: number }>;
  /** Whether the content can be read (a dry run asks). */
  hasContent(name: string): Promise<boolean>;
}

/** The folder that holds a file's content in an export: files/<name>. */
export const FILES_DIR = "files";

/** The content's path, refusing a name that would leave the folder. */
function contentPath(dir: string, name: string): string {
  if (name === "" || name === "." || name === ".." || /[/\\\0]/.test(name)) throw new CliError(`the file name ${JSON.stringify(name)} cannot be read from a folder`);
  return join(dir, FILES_DIR, name);
}

async function readJsonArray(path: string): Promise<unknown[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new CliError(`${path}: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new CliError(`${path}: expected a JSON array (what GenieACS's NBI answers to GET /${path.split("/").pop()!.replace(/\.json$/, "")}/)`);
  return parsed;
}

export function folderSource(dir: string): GenieSource {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`--from ${dir}: not a folder`);
  return {
    where: dir,
    async list(c) {
      const path = join(dir, `${c}.json`);
      return existsSync(path) ? readJsonArray(path) : [];
    },
    async *devices() {
      const ndjson = join(dir, "devices.ndjson");
      if (existsSync(ndjson)) {
        let n = 0;
        for await (const line of createInterface({ input: createReadStream(ndjson), crlfDelay: Infinity })) {
          n++;
          if (line.trim() === "") continue;
          try {
            yield JSON.parse(line) as unknown;
          } catch (err) {
            throw new CliError(`${ndjson} line ${n}: ${(err as Error).message}`);
          }
        }
        return;
      }
      const json = join(dir, "devices.json");
      if (existsSync(json)) yield* await readJsonArray(json);
    },
    async content(name) {
      const path = contentPath(dir, name);
      if (!existsSync(path)) throw new CliError(`no content for file ${JSON.stringify(name)}: expected ${path}`);
      return { stream: createReadStream(path), size: statSync(path).size };
    },
    async hasContent(name) {
      return existsSync(contentPath(dir, name));
    },
  };
}

export interface NbiOptions {
  url: string;
  /** Basic authentication, when GenieACS's NBI asks for it. */
  username?: string;
  password?: string;
  /** GenieACS's file server, where file content is read (its NBI serves only the records); default fileServerOf(url). */
  filesUrl?: string;
  /** A MongoDB query restricting the devices read. */
  deviceQuery?: string;
  /** Parameter subtrees to import (GenieACS's projection); default all. */
  deviceProjection?: string[];
  pageSize: number;
}

/** GenieACS serves file content on its file server, by default port 7567 of the NBI's host. */
export function fileServerOf(nbiUrl: string): string {
  const u = new URL(nbiUrl);
  u.port = "7567";
  u.pathname = "/";
  u.search = "";
  return u.toString();
}

/** Fields every imported device needs, whatever projection is asked. */
const DEVICE_FIELDS = ["_id", "_deviceId", "_lastInform", "_registered", "_tags"];

export function nbiSource(o: NbiOptions): GenieSource {
  const base = o.url.replace(/\/+$/, "");
  const headers: Record<string, string> = { accept: "application/json" };
  if (o.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${o.username}:${o.password ?? ""}`).toString("base64")}`;
  // A refused connection or a bad answer is told in one line, with the URL.
  const call = async (url: string, method = "GET"): Promise<Response> => {
    try {
      return await fetch(url, { method, headers });
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      throw new CliError(`${method} ${url}: ${cause ?? (err as Error).message}`);
    }
  };
  const get = async (path: string): Promise<Response> => {
    const res = await call(`${base}${path}`);
    if (!res.ok) throw new CliError(`GET ${base}${path}: ${res.status} ${res.statusText}${res.status === 401 ? " (give --nbi-user and GENIEACS_NBI_PASSWORD)" : ""}`);
    return res;
  };
  const getJson = async (path: string): Promise<unknown[]> => {
    const res = await get(path);
    let body: unknown;
    try {
      body = await res.json();
    } catch (err) {
      throw new CliError(`GET ${base}${path}: not JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(body)) throw new CliError(`GET ${base}${path}: expected a JSON array`);
    return body;
  };
  const fileUrl = (name: string) => `${(o.filesUrl ?? fileServerOf(base)).replace(/\/+$/, "")}/${encodeURIComponent(name)}`;
  return {
    where: base,
    list: (c) => getJson(`/${c}/?query=${encodeURIComponent("{}")}`),
    async *devices() {
      let query: unknown;
      try {
        query = JSON.parse(o.deviceQuery ?? "{}");
      } catch (err) {
        throw new CliError(`--device-query: not JSON: ${(err as Error).message}`);
      }
      // In _id order, each page after the last id seen (not skip): a page costs MongoDB the same at any
      // depth, and devices registering meanwhile neither shift nor repeat what is read.
      const sort = encodeURIComponent(JSON.stringify({ _id: 1 }));
      const projection = o.deviceProjection === undefined ? "" : `&projection=${encodeURIComponent([...DEVICE_FIELDS, ...o.deviceProjection].join(","))}`;
      for (let last: string | null = null; ;) {
        const q = last === null ? query : { $and: [query, { _id: { $gt: last } }] };
        const page = await getJson(`/devices/?query=${encodeURIComponent(JSON.stringify(q))}&sort=${sort}&limit=${o.pageSize}${projection}`);
        yield* page;
        if (page.length < o.pageSize) return;
        const id = (page[page.length - 1] as { _id?: unknown } | null)?._id;
        if (typeof id !== "string" || (last !== null && id <= last)) throw new CliError(`GET ${base}/devices/: the page does not end with a device id after ${JSON.stringify(last)}`);
        last = id;
      }
    },
    async content(name) {
      const res = await call(fileUrl(name));
      if (!res.ok || res.body === null) throw new CliError(`GET ${fileUrl(name)}: ${res.status} ${res.statusText}`);
      const length = Number(res.headers.get("content-length") ?? NaN);
      return { stream: Readable.fromWeb(res.body as WebStream<Uint8Array>), ...(Number.isInteger(length) ? { size: length } : {}) };
    },
    async hasContent(name) {
      const res = await call(fileUrl(name), "HEAD");
      return res.ok;
    },
  };
}
