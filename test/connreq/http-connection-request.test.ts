import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { createChallenge, digestHa1, parseAuthorization, parseBasicAuthorization, verifyDigest } from "../../src/auth/index.js";
import { ConnreqLocalError, httpConnectionRequest, parseConnectionRequestUrl } from "../../src/connreq/index.js";

const SECRET = "cpe-nonce-secret";
const REALM = "cpe-realm";
const CPE = { username: "cr-user", password: "cr-pass" };

interface Seen {
  url: string;
  host: string | undefined;
  authorization: string | undefined;
}

/** A CPE's connection-request listener: Digest (with the auth module's server side), then 204. */
function digestHandler(seen: Seen[], options: { status?: number; challengeNow?: () => number } = {}): http.RequestListener {
  return (req, res) => {
    seen.push({ url: req.url ?? "", host: req.headers.host, authorization: req.headers.authorization });
    const result = verifyDigest({
      authorization: req.headers.authorization,
      method: req.method ?? "",
      ha1: digestHa1(CPE.username, REALM, CPE.password),
      secret: SECRET,
      realm: REALM,
      now: Date.now(),
      uri: req.url ?? "",
    });
    if (result.ok) {
      res.writeHead(options.status ?? 204);
      res.end();
      return;
    }
    const stale = result.reason === "stale-nonce";
    const challengeNow = stale ? Date.now() : (options.challengeNow ?? Date.now)();
    res.writeHead(401, { "WWW-Authenticate": createChallenge({ realm: REALM, now: challengeNow, secret: SECRET, nonceTtlMs: 60_000, stale }) });
    res.end();
  };
}

async function withServer<T>(handler: http.RequestListener, host: string, fn: (port: number) => Promise<T>): Promise<T> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  try {
    return await fn((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function withTcpServer<T>(onConnection: (socket: net.Socket, index: number) => void, fn: (port: number) => Promise<T>): Promise<T> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    onConnection(socket, count++);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  try {
    return await fn((server.address() as AddressInfo).port);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Reads HTTP requests (no bodies) off a raw socket, one callback per request head. */
function onRequestHeads(socket: net.Socket, fn: (head: string, n: number) => void): void {
  let buffered = "";
  let n = 0;
  socket.on("data", (d: Buffer) => {
    buffered += d.toString("latin1");
    let end: number;
    while ((end = buffered.indexOf("\r\n\r\n")) >= 0) {
      const head = buffered.slice(0, end);
      buffered = buffered.slice(end + 4);
      fn(head, n++);
    }
  });
}

function authorizationOf(head: string): string | undefined {
  return /^authorization:\s*(.*)$/im.exec(head)?.[1]?.trim();
}

function digestOk(head: string, password = CPE.password): boolean {
  const target = /^GET (\S+) HTTP/.exec(head)?.[1] ?? "";
  return verifyDigest({
    authorization: authorizationOf(head),
    method: "GET",
    ha1: digestHa1(CPE.username, REALM, password),
    secret: SECRET,
    realm: REALM,
    now: Date.now(),
    uri: target,
  }).ok;
}

const challengeResponse = (extraHeaders = ""): string =>
  `HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: ${createChallenge({ realm: REALM, now: Date.now(), secret: SECRET, nonceTtlMs: 60_000 })}\r\nContent-Length: 0\r\n${extraHeaders}\r\n`;

test("Digest: the CPE challenges, Provisio answers on the path with its query, the CPE accepts (204)", async () => {
  const seen: Seen[] = [];
  await withServer(digestHandler(seen), "127.0.0.1", async (port) => {
    const r = await httpConnectionRequest({ url: `http://127.0.0.1:${port}/cr/abc?x=1`, ...CPE });
    assert.equal(r.outcome, "accepted");
    assert.equal(r.status, 204);
    assert.equal(r.code, "HTTP_204");
    assert.equal(r.requests, 2);
    assert.equal(r.method, "http");
    assert.ok(r.durationMs >= 0);
    assert.equal(seen.length, 2);
    assert.equal(seen[0]?.authorization, undefined);
    assert.equal(seen[1]?.url, "/cr/abc?x=1");
    assert.equal(seen[1]?.host, `127.0.0.1:${port}`);
    const auth = parseAuthorization(seen[1]?.authorization);
    assert.ok(auth && auth.kind === "digest");
    assert.equal(auth.username, CPE.username);
    assert.equal(auth.uri, "/cr/abc?x=1");
    assert.equal(auth.qop, "auth");
  });
});

test("Digest: a challenge whose parameters are separated by spaces, as a real CPE stack sends it, is answered", async () => {
  const nonce = "5f1e2d3c4b5a69788796a5b4c3d2e1f0";
  const seen: Seen[] = [];
  await withServer((req, res) => {
    seen.push({ url: req.url ?? "", host: req.headers.host, authorization: req.headers.authorization });
    const auth = parseAuthorization(req.headers.authorization);
    if (auth?.kind === "digest") {
      // Computed here by hand (RFC 2617 3.2.2.1) rather than with the module under test.
      const md5 = (x: string) => createHash("md5").update(x).digest("hex");
      const ha1 = md5(`${CPE.username}:cwmpd:${CPE.password}`);
      const expected = md5(`${ha1}:${nonce}:${auth.nc}:${auth.cnonce}:auth:${md5(`GET:${req.url}`)}`);
      if (auth.realm === "cwmpd" && auth.nonce === nonce && auth.qop === "auth" && auth.response === expected) {
        res.writeHead(204);
        res.end();
        return;
      }
    }
    res.writeHead(401, { "WWW-Authenticate": `Digest qop="auth" nonce="${nonce}" opaque="" realm="cwmpd"` });
    res.end();
  }, "127.0.0.1", async (port) => {
    const r = await httpConnectionRequest({ url: `http://127.0.0.1:${port}/cr`, ...CPE });
    assert.equal(r.outcome, "accepted", `${r.code}: ${r.detail}`);
    assert.equal(r.status, 204);
    assert.equal(seen.length, 2);
    const auth = parseAuthorization(seen[1]?.authorization);
    assert.ok(auth && auth.kind === "digest");
    assert.equal(auth.opaque, "", "the empty opaque is sent back");
  });
});

test("a 200 is accepted as well, and a CPE that asks no credentials gets one request", async () => {
  await withServer(digestHandler([], { status: 200 }), "127.0.0.1", async (port) => {
    const r = await httpConnectionRequest({ url: `http://127.0.0.1:${port}/`, ...CPE });
    assert.equal(r.outcome, "accepted");
    assert.equal(r.status, 200);
  });
  let requests = 0;
  await withServer((_req, res) => {
    requests++;
    res.writeHead(200).end();
  }, "127.0.0.1", async (port) => {
    const r = await httpConnectionRequest({ url: `http://127.0.0.1:${port}/`, ...CPE });
    assert.equal(r.outcome, "accepted");
    assert.equal(r.requests, 1);
    assert.equal(requests, 1);
  });
});

test("a wrong password is auth-failed (401 to the credentials)", async () => {
  const seen: Seen[] = [];
  await withServer(digestHandler(seen), "127.0.0.1", async (port) => {
    const r = await httpConnectionRequest({ url: `http://127.0.0.1:${port}/cr`, username: CPE.username, password: "wrong" });
    assert.equal(r.outcome, "auth-failed");
    assert.equal(r.status, 401);
    assert.equal(r.code, "HTTP_401");
    assert.equal(r.requests, 2);
    assert.equal(seen.length, 2);
  });
});

test("a CPE that drops the connection after its 401: the authenticated GET is sent again on a new connection", async () => {
  const connections: number[] = [];
  await withTcpServer(
    (socket, index) => {
      connections.push(index);
      onRequestHeads(socket, (head, n) => {
        if (index === 0 && n === 0) socket.write(challengeResponse()); // keep-alive, as HTTP/1.1 allows
        else if (index === 0) socket.destroy(); // the authenticated GET on the old connection: dropped
        else socket.write(digestOk(head) ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" : challengeResponse());
      });
    },
    async (port) => {
      const r = await httpConnectionRequest({ url: `http://127.0.0.1:${port}/cr`, ...CPE });
      assert.equal(r.outcome, "accepted");
      assert.equal(r.requests, 3);
      assert.deepEqual(connections, [0, 1]);
    },
  );
});

test("a CPE that closes right after its 401 (no Connection: close) is still reached", async () => {
  await withTcpServer(
    (socket, index) => {
      onRequestHeads(socket, (head) => {
        if (index === 0) socket.end(challengeResponse());
        else socket.end(digestOk(head) ? "HTTP/1.1 204 No Content\r\n\r\n" : challengeResponse());
      });
    },
    async (port) => {
      const r = await httpConnectionRequest({ url: `http://127.0.0.1:${port}/cr`, ...CPE });
      assert.equal(r.outcome, "accepted");
      assert.equal(r.status, 204);
    },
  );
});

test("a stale nonce is answered again with the new one", async () => {
  const seen: Seen[] = [];
  // The first challenge's nonce has already expired, so the CPE calls it stale.
  let first = true;
  const challengeNow = () => {
    const t = first ? Date.now() - 120_000 : Date.now();
    first = false;
    return t;
  };
  await withServer(digestHandler(seen, { challengeNow }), "127.0.0.1", async (port) => {
    const r = await httpConnectionRequest({ url: `http://127.0.0.1:${port}/cr`, ...CPE });
    assert.equal(r.outcome, "accepted");
    assert.equal(r.requests, 3);
    assert.equal(seen.length, 3);
  });
});

test("503 and other statuses are refused, with the status", async () => {
  for (const status of [503, 404]) {
    await withServer((_req, res) => res.writeHead(status).end(), "127.0.0.1", async (port) => {
      const r = await httpConnectionRequest({ url: `http://127.0.0.1:${port}/cr`, ...CPE });
      assert.equal(r.outcome, "refused");
      assert.equal(r.status, status);
      assert.equal(r.code, `HTTP_${status}`);
    });
  }
  // After authentication too.
  await withServer(digestHandler([], { status: 503 }), "127.0.0.1", async (port) => {
    const r = await httpConnectionRequest({ url: `http://127.0.0.1:${port}/cr`, ...CPE });
    assert.equal(r.outcome, "refused");
    assert.equal(r.status, 503);
    assert.equal(r.requests, 2);
  });
});

test("a closed port is unreachable", async () => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const r = await httpConnectionRequest({ url: `http://127.0.0.1:${port}/cr`, ...CPE });
  assert.equal(r.outcome, "unreachable");
  assert.equal(r.code, "ECONNREFUSED");
  assert.equal(r.status, undefined);
});

test("a name that does not resolve is unreachable", async () => {
  const lookup: net.LookupFunction = (hostname, _options, callback) => {
    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    process.nextTick(() => (callback as (e: NodeJS.ErrnoException) => void)(err));
  };
  const r = await httpConnectionRequest({ url: "http://cpe.example.invalid:7547/cr", ...CPE, lookup });
  assert.equal(r.outcome, "unreachable");
  assert.equal(r.code, "ENOTFOUND");
});

test("a CPE that never answers is timed-out", async () => {
  await withTcpServer(
    () => undefined,
    async (port) => {
      const r = await httpConnectionRequest({ url: `http://127.0.0.1:${port}/cr`, ...CPE, timeoutMs: 200 });
      assert.equal(r.outcome, "timed-out");
      assert.equal(r.code, "TIMEOUT");
    },
  );
  // Silent after the challenge: the deadline covers the whole exchange.
  await withTcpServer(
    (socket) => onRequestHeads(socket, (_head, n) => (n === 0 ? socket.write(challengeResponse()) : undefined)),
    async (port) => {
      const r = await httpConnectionRequest({ url: `http://127.0.0.1:${port}/cr`, ...CPE, timeoutMs: 300 });
      assert.equal(r.outcome, "timed-out");
      assert.equal(r.status, 401);
    },
  );
});

test("Basic is answered only when allowed", async () => {
  let authorizations: (string | undefined)[] = [];
  const basicCpe: http.RequestListener = (req, res) => {
    authorizations.push(req.headers.authorization);
    const creds = parseBasicAuthorization(req.headers.authorization);
    if (creds && creds.username === CPE.username && creds.password === CPE.password) res.writeHead(204).end();
    else res.writeHead(401, { "WWW-Authenticate": 'Basic realm="cpe"' }).end();
  };
  await withServer(basicCpe, "127.0.0.1", async (port) => {
    const refused = await httpConnectionRequest({ url: `http://127.0.0.1:${port}/cr`, ...CPE });
    assert.equal(refused.outcome, "error");
    assert.equal(refused.code, "BASIC_NOT_ALLOWED");
    assert.equal(refused.requests, 1);
    assert.deepEqual(authorizations, [undefined]);
    authorizations = [];
    const accepted = await httpConnectionRequest({ url: `http://127.0.0.1:${port}/cr`, ...CPE, allowBasic: true });
    assert.equal(accepted.outcome, "accepted");
    assert.equal(authorizations.length, 2);
    assert.match(authorizations[1] ?? "", /^Basic /);
  });
});

test("a 401 with no usable challenge is an error, not an authentication failure", async () => {
  await withServer((_req, res) => res.writeHead(401, { "WWW-Authenticate": 'Bearer realm="x"' }).end(), "127.0.0.1", async (port) => {
    const r = await httpConnectionRequest({ url: `http://127.0.0.1:${port}/cr`, ...CPE });
    assert.equal(r.outcome, "error");
    assert.equal(r.code, "NO_USABLE_CHALLENGE");
  });
  await withServer((_req, res) => res.writeHead(401).end(), "127.0.0.1", async (port) => {
    const r = await httpConnectionRequest({ url: `http://127.0.0.1:${port}/cr`, ...CPE });
    assert.equal(r.outcome, "error");
    assert.equal(r.code, "NO_CHALLENGE");
  });
});

test("unusable URLs are errors without a request; impossible options throw", async () => {
  const bad = await httpConnectionRequest({ url: "not a url", ...CPE });
  assert.equal(bad.outcome, "error");
  assert.equal(bad.code, "INVALID_URL");
  assert.equal(bad.requests, 0);
  const https = await httpConnectionRequest({ url: "https://192.0.2.1/cr", ...CPE });
  assert.equal(https.code, "UNSUPPORTED_SCHEME");
  await assert.rejects(httpConnectionRequest({ url: "http://127.0.0.1/", timeoutMs: 0 }), (e: unknown) => e instanceof ConnreqLocalError && e.code === "CR_INVALID_OPTIONS");
});

test("IPv6 literal URLs: parsed with the brackets off for the socket and on for Host; reached on ::1 when the machine has it", async () => {
  const parsed = parseConnectionRequestUrl("http://[2a02::1]:30005/path?q=1");
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.target, { hostname: "2a02::1", port: 30005, host: "[2a02::1]:30005", path: "/path?q=1" });
  const defaultPort = parseConnectionRequestUrl("http://[2a02::1]/");
  assert.ok(defaultPort.ok);
  assert.equal(defaultPort.target.port, 80);
  assert.equal(defaultPort.target.host, "[2a02::1]");

  const v6 = await new Promise<boolean>((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(0, "::1", () => s.close(() => resolve(true)));
  });
  if (!v6) return; // no IPv6 loopback here: the parsing above is what can be checked
  const seen: Seen[] = [];
  await withServer(digestHandler(seen), "::1", async (port) => {
    const r = await httpConnectionRequest({ url: `http://[::1]:${port}/cr6`, ...CPE });
    assert.equal(r.outcome, "accepted");
    assert.equal(seen[1]?.host, `[::1]:${port}`);
    assert.equal(seen[1]?.url, "/cr6");
  });
});
