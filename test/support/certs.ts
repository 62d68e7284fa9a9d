// Throwaway X.509 material for TLS tests, made with the openssl command (Debian package openssl):
// a CA, a server certificate for 127.0.0.1, and client certificates with a chosen subject CN.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Pem {
  cert: Buffer;
  key: Buffer;
  certFile: string;
  keyFile: string;
}

export interface TestPki {
  dir: string;
  ca: Pem;
  server: Pem;
  client(cn: string): Pem;
  /** A client certificate from another CA, which the server must not trust. */
  stranger(cn: string): Pem;
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: "pipe" });
}

function read(dir: string, name: string): Pem {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { cert: readFileSync(certFile), key: readFileSync(keyFile), certFile, keyFile };
}

function selfSigned(dir: string, name: string, cn: string): Pem {
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", `/CN=${cn}`, "-keyout", `${name}.key`, "-out", `${name}.crt`], dir);
  return read(dir, name);
}

function signed(dir: string, name: string, cn: string, ca: string, ext?: string): Pem {
  openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", `/CN=${cn}`, "-keyout", `${name}.key`, "-out", `${name}.csr`], dir);
  const args = ["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-days", "2", "-out", `${name}.crt`];
  if (ext !== undefined) {
    writeFileSync(join(dir, `${name}.ext`), ext);
    args.push("-extfile", `${name}.ext`);
  }
  openssl(args, dir);
  return read(dir, name);
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "provisio-pki-"));
  const ca = selfSigned(dir, "ca", "Provisio Test CA");
  const server = signed(dir, "server", "127.0.0.1", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  let n = 0;
  let strangerCa: Pem | null = null;
  return {
    dir,
    ca,
    server,
    client: (cn) => signed(dir, `client-${++n}`, cn, "ca"),
    stranger(cn) {
      strangerCa ??= selfSigned(dir, "stranger-ca", "Someone Else");
      return signed(dir, `stranger-${++n}`, cn, "stranger-ca");
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
