// The URLs devices are given, and what makes them theirs alone. A URL carries the device's id, an
// expiry and an HMAC over what it grants (this file to this device until then, or an upload slot of
// this FileType for this device), keyed with a secret every ACS process shares (kept in the store), so
// any process's file server checks any URL without a lookup. With `digest`, the device must also
// answer an HTTP Digest challenge with credentials derived from the same secret and its id: the ACS
// gives them in the Download/Upload RPC (Username, Password), which travels inside the authenticated
// CWMP session, so a URL seen elsewhere (a proxy's log) is not enough on its own.

import { createHmac, timingSafeEqual } from "node:crypto";
import { digestHa1 } from "../auth/index.js";

/** TR-069 limits a Download or Upload URL to 256 characters. */
export const MAX_URL_LENGTH = 256;

export const FILES_REALM = "provisio-files";

export type Grant =
  | { kind: "download"; fileId: string; deviceId: string; expires: number }
  | { kind: "upload"; uploadId: string; deviceId: string; fileType: string; expires: number }
  /** A TR-143 speed test (speed-test.ts): `bytes` to send the device, or the most it may upload. */
  | { kind: "speedtest"; direction: "download" | "upload"; bytes: number; deviceId: string; expires: number };

export interface LinkSettings {
  /** What devices reach the file server at, ending with "/". */
  baseUrl: string;
  /** The shared secret (from the store). */
  secret: string;
  digest: boolean;
}

function mac(secret: string, text: string, bytes: number): string {
  return createHmac("sha256", secret).update(text, "utf8").digest().subarray(0, bytes).toString("base64url");
}

function grantText(g: Grant): string {
  switch (g.kind) {
    case "download":
      return `provisio-file-link-v1\ndownload\n${g.fileId}\n${g.deviceId}\n${g.expires}`;
    case "upload":
      return `provisio-file-link-v1\nupload\n${g.uploadId}\n${g.deviceId}\n${g.fileType}\n${g.expires}`;
    case "speedtest":
      return `provisio-speedtest-v1\n${g.direction}\n${g.bytes}\n${g.deviceId}\n${g.expires}`;
  }
}

/** Builds and checks file-server URLs; pure apart from the secret it is given. */
export class FileLinks {
  readonly baseUrl: string;
  constructor(private readonly s: LinkSettings) {
    this.baseUrl = s.baseUrl.endsWith("/") ? s.baseUrl : `${s.baseUrl}/`;
  }

  get digest(): boolean {
    return this.s.digest;
  }

  token(g: Grant): string {
    return mac(this.s.secret, grantText(g), 16);
  }

  /** Whether `token` is the one for `g` (expiry not checked here). */
  verify(g: Grant, token: string): boolean {
    const expected = Buffer.from(this.token(g), "utf8");
    const given = Buffer.from(token, "utf8");
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /**
   * The URL a device downloads a file from. The file's name ends the path (some CPEs name the file from
   * it) unless that would make the URL longer than TR-069 allows; null when even the short form is.
   */
  downloadUrl(file: { id: string; name: string }, deviceId: string, expires: number): string | null {
    const query = `?d=${encodeURIComponent(deviceId)}&e=${expires}&t=${this.token({ kind: "download", fileId: file.id, deviceId, expires })}`;
    const named = `${this.baseUrl}files/${file.id}/${encodeURIComponent(file.name)}${query}`;
    if (named.length <= MAX_URL_LENGTH) return named;
    const bare = `${this.baseUrl}files/${file.id}${query}`;
    return bare.length <= MAX_URL_LENGTH ? bare : null;
  }

  /** The URL a device uploads to (PUT or POST); null when it would be longer than TR-069 allows. */
  uploadUrl(uploadId: string, deviceId: string, fileType: string, expires: number): string | null {
    const t = this.token({ kind: "upload", uploadId, deviceId, fileType, expires });
    const url = `${this.baseUrl}uploads/${uploadId}?d=${encodeURIComponent(deviceId)}&ft=${encodeURIComponent(fileType)}&e=${expires}&t=${t}`;
    return url.length <= MAX_URL_LENGTH ? url : null;
  }

  /** The URL of a TR-143 speed test for a device; null when it would be longer than TR-069 allows. */
  speedTestUrl(direction: "download" | "upload", bytes: number, deviceId: string, expires: number): string | null {
    const t = this.token({ kind: "speedtest", direction, bytes, deviceId, expires });
    const url = `${this.baseUrl}speedtest/${direction}?n=${bytes}&d=${encodeURIComponent(deviceId)}&e=${expires}&t=${t}`;
    return url.length <= MAX_URL_LENGTH ? url : null;
  }

  /** Whether a URL was made by this ACS's file server (so that it may be made again with a new expiry). */
  isOurs(url: string): boolean {
    return url.startsWith(this.baseUrl);
  }

  /** The credentials a device answers the file server's Digest challenge with (username: its id). */
  credentials(deviceId: string): { username: string; password: string } {
    return { username: deviceId, password: mac(this.s.secret, `provisio-file-password-v1\n${deviceId}`, 18) };
  }

  /** MD5(username:realm:password) of those credentials, for verifyDigest. */
  ha1(deviceId: string): string {
    const { username, password } = this.credentials(deviceId);
    return digestHa1(username, FILES_REALM, password);
  }
}
