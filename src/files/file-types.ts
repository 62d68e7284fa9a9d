// FileType values as TR-069 names them (A.3.2.8 Download, A.3.2.9 Upload), and content types.

export const FIRMWARE = "1 Firmware Upgrade Image";

/** What an ACS may ask a CPE to download. */
export const DOWNLOAD_FILE_TYPES = [FIRMWARE, "2 Web Content", "3 Vendor Configuration File", "4 Tone File", "5 Ringer File"] as const;

/** What a CPE may be asked to upload ("3 ... <i>", "4 ... <i>" name one of several instances). */
const UPLOAD_FILE_TYPE = /^(1 Vendor Configuration File|2 Vendor Log File|3 Vendor Configuration File \d+|4 Vendor Log File \d+)$/;

/** "X <OUI> <name>": a vendor's own type, OUI in upper-case hex. */
const VENDOR_FILE_TYPE = /^X [0-9A-F]{6} \S.{0,54}$/;

export function isDownloadFileType(t: string): boolean {
  return (DOWNLOAD_FILE_TYPES as readonly string[]).includes(t) || VENDOR_FILE_TYPE.test(t);
}

export function isUploadFileType(t: string): boolean {
  return UPLOAD_FILE_TYPE.test(t) || VENDOR_FILE_TYPE.test(t);
}

export function isFirmware(t: string): boolean {
  return t === FIRMWARE;
}

const BY_EXTENSION: Record<string, string> = {
  bin: "application/octet-stream",
  img: "application/octet-stream",
  fw: "application/octet-stream",
  gz: "application/gzip",
  tgz: "application/gzip",
  tar: "application/x-tar",
  zip: "application/zip",
  xml: "application/xml",
  json: "application/json",
  txt: "text/plain; charset=utf-8",
  log: "text/plain; charset=utf-8",
  cfg: "application/octet-stream",
  conf: "text/plain; charset=utf-8",
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  wav: "audio/wav",
  mp3: "audio/mpeg",
};

/** The media type a file of this name is served with when none was given. */
export function contentTypeFor(name: string): string {
  const dot = name.lastIndexOf(".");
  return (dot >= 0 && BY_EXTENSION[name.slice(dot + 1).toLowerCase()]) || "application/octet-stream";
}

/** A media type as a client may give it: type/subtype with optional parameters, printable ASCII. */
export function isMediaType(s: string): boolean {
  return /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"\r\n]*"|[A-Za-z0-9!#$&^_.+-]+))*$/.test(s) && s.length <= 200;
}
