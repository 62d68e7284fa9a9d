import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  ConnreqLocalError,
  StunMethod,
  StunRemoteError,
  StunServer,
  checkMessageIntegrity,
  decodeStunMessage,
  encodeStunMessage,
  getAttribute,
  isClassic,
  tr111BindingRequest,
} from "../../src/connreq/index.js";
import type { StunBinding, StunMessage, StunServerError, StunServerOptions } from "../../src/connreq/index.js";
import { udpPeer } from "./support.js";
import type { UdpPeer } from "./support.js";

const NOW = 1_750_000_000_000;

async function withStun(options: StunServerOptions, fn: (server: StunServer, client: UdpPeer) => Promise<void>): Promise<void> {
  const server = await StunServer.start({ port: 0, address: "127.0.0.1", now: () => NOW, ...options });
  const client = await udpPeer();
  try {
    await fn(server, client);
  } finally {
    await client.close();
    await server.close();
  }
}

const binding = (transactionId: Buffer): StunMessage => ({ method: StunMethod.Binding, class: "request", transactionId, attributes: [] });

/** Sends a request and returns the answer to it (by transaction ID). */
async function ask(client: UdpPeer, server: StunServer, bytes: Buffer, timeoutMs = 5000): Promise<{ message: StunMessage; bytes: Buffer; from: { address: string; port: number } }> {
  const txid = decodeStunMessage(bytes).transactionId;
  await client.send(bytes, server.address().port);
  const r = await client.next(timeoutMs, (x) => {
    try {
      return decodeStunMessage(x.msg).transactionId.equals(txid);
    } catch {
      return false;
    }
  });
  return { message: decodeStunMessage(r.msg), bytes: r.msg, from: { address: r.address, port: r.port } };
}

test("classic RFC 3489 Binding Request: classic response with MAPPED-ADDRESS of the client", async () => {
  await withStun({}, async (server, client) => {
    const txid = randomBytes(16);
    const { message, from } = await ask(client, server, encodeStunMessage(binding(txid)));
    assert.equal(message.class, "success");
    assert.equal(isClassic(message), true);
    assert.deepEqual(message.transactionId, txid);
    assert.deepEqual(getAttribute(message, "MAPPED-ADDRESS")?.address, { family: "IPv4", address: "127.0.0.1", port: client.port });
    assert.equal(getAttribute(message, "XOR-MAPPED-ADDRESS"), undefined);
    assert.equal(from.port, server.address().port);
    assert.equal(server.stats().bindings, 0, "a plain binding request teaches nothing");
  });
});

test("RFC 5389 Binding Request: XOR-MAPPED-ADDRESS, and FINGERPRINT when the request had one", async () => {
  await withStun({ software: "Provisio test" }, async (server, client) => {
    const txid = randomBytes(12);
    const { message, bytes } = await ask(client, server, encodeStunMessage(binding(txid), { fingerprint: true }));
    assert.equal(message.class, "success");
    assert.equal(isClassic(message), false);
    assert.deepEqual(getAttribute(message, "XOR-MAPPED-ADDRESS")?.address, { family: "IPv4", address: "127.0.0.1", port: client.port });
    assert.equal(getAttribute(message, "SOFTWARE")?.value, "Provisio test");
    assert.ok(getAttribute(message, "FINGERPRINT"), "FINGERPRINT echoed (and checked by the decoder)");
    assert.ok(bytes.length > 20);
  });
});

test("TR-111 binding: learned by USERNAME, with BINDING-CHANGE, reported and kept", async () => {
  const learned: StunBinding[] = [];
  await withStun({ onBinding: (b) => learned.push(b) }, async (server, client) => {
    const first = tr111BindingRequest({ transactionId: randomBytes(16), username: "stun-cpe-1" });
    const r1 = await ask(client, server, encodeStunMessage(first));
    assert.equal(r1.message.class, "success");
    assert.deepEqual(learned, [
      { username: "stun-cpe-1", family: "IPv4", address: "127.0.0.1", port: client.port, at: NOW, changed: false, authenticated: false, classic: true },
    ]);
    const changed = tr111BindingRequest({ transactionId: randomBytes(12), username: "stun-cpe-1", bindingChange: true });
    await ask(client, server, encodeStunMessage(changed));
    assert.equal(learned.length, 2);
    assert.equal(learned[1]?.changed, true);
    assert.equal(learned[1]?.classic, false);
    assert.deepEqual(server.binding("stun-cpe-1"), learned[1]);
    assert.equal(server.binding("someone-else"), undefined);
    assert.equal(server.stats().bindings, 2);
  });
});

test("a TR-111 binding without USERNAME is answered but cannot be attributed", async () => {
  const errors: string[] = [];
  const learned: StunBinding[] = [];
  await withStun({ onBinding: (b) => learned.push(b), onError: (e) => errors.push(e.code) }, async (server, client) => {
    const r = await ask(client, server, encodeStunMessage(tr111BindingRequest({ transactionId: randomBytes(16) })));
    assert.equal(r.message.class, "success");
    assert.deepEqual(learned, []);
    assert.deepEqual(errors, ["STUN_MISSING_USERNAME"]);
  });
});

test("MESSAGE-INTEGRITY with the STUNPassword: right is learned (authenticated, signed answer), wrong gets 431, unknown user 401", async () => {
  const learned: StunBinding[] = [];
  const errors: StunServerError[] = [];
  const passwords = new Map([["stun-cpe-2", "stun-secret"]]);
  const options: StunServerOptions = {
    lookupPassword: async (u) => passwords.get(u),
    onBinding: (b) => learned.push(b),
    onError: (e) => errors.push(e as StunServerError),
  };
  await withStun(options, async (server, client) => {
    const request = tr111BindingRequest({ transactionId: randomBytes(16), username: "stun-cpe-2" });
    const good = await ask(client, server, encodeStunMessage(request, { integrityKey: "stun-secret" }));
    assert.equal(good.message.class, "success");
    assert.equal(checkMessageIntegrity(good.bytes, "stun-secret"), "valid");
    assert.equal(learned.length, 1);
    assert.equal(learned[0]?.authenticated, true);

    const wrong = tr111BindingRequest({ transactionId: randomBytes(16), username: "stun-cpe-2", bindingChange: true });
    const bad = await ask(client, server, encodeStunMessage(wrong, { integrityKey: "not-the-secret" }));
    assert.equal(bad.message.class, "error");
    assert.equal(getAttribute(bad.message, "ERROR-CODE")?.code, 431);
    assert.equal(learned.length, 1, "a badly signed binding is not learned");

    const stranger = tr111BindingRequest({ transactionId: randomBytes(12), username: "nobody" });
    const unknown = await ask(client, server, encodeStunMessage(stranger, { integrityKey: "whatever" }));
    assert.equal(getAttribute(unknown.message, "ERROR-CODE")?.code, 401);

    const anonymous = encodeStunMessage(tr111BindingRequest({ transactionId: randomBytes(16) }), { integrityKey: "stun-secret" });
    const missing = await ask(client, server, anonymous);
    assert.equal(getAttribute(missing.message, "ERROR-CODE")?.code, 432);

    assert.deepEqual(errors.map((e) => e.code), ["STUN_INTEGRITY_FAILED", "STUN_UNKNOWN_USER", "STUN_MISSING_USERNAME"]);
    assert.equal(errors[0]?.username, "stun-cpe-2");
    assert.equal(learned.length, 1);
  });
});

test("requireIntegrity: an unsigned TR-111 binding gets 401, and the signed repeat is learned", async () => {
  const learned: StunBinding[] = [];
  await withStun({ lookupPassword: (u) => (u === "stun-cpe-3" ? "pw3" : undefined), requireIntegrity: true, onBinding: (b) => learned.push(b) }, async (server, client) => {
    const unsigned = await ask(client, server, encodeStunMessage(tr111BindingRequest({ transactionId: randomBytes(16), username: "stun-cpe-3" })));
    assert.equal(getAttribute(unsigned.message, "ERROR-CODE")?.code, 401);
    assert.equal(learned.length, 0);
    // A plain Binding Request (NAT discovery) is still answered.
    const plain = await ask(client, server, encodeStunMessage(binding(randomBytes(16))));
    assert.equal(plain.message.class, "success");
    const signed = await ask(client, server, encodeStunMessage(tr111BindingRequest({ transactionId: randomBytes(16), username: "stun-cpe-3" }), { integrityKey: "pw3" }));
    assert.equal(signed.message.class, "success");
    assert.equal(learned.length, 1);
    assert.equal(learned[0]?.authenticated, true);
  });
  await assert.rejects(StunServer.start({ port: 0, address: "127.0.0.1", requireIntegrity: true }), (e: unknown) => e instanceof ConnreqLocalError);
});

test("garbage is dropped, counted and reported; the server keeps answering", async () => {
  const errors: (StunRemoteError | StunServerError)[] = [];
  await withStun({ onError: (e) => errors.push(e) }, async (server, client) => {
    const port = server.address().port;
    await client.send(Buffer.from("hello"), port); // too short
    await client.send(Buffer.from("GET http://127.0.0.1:7547?ts=1&id=2 HTTP/1.1\r\n\r\n"), port); // not STUN
    await client.send(randomBytes(64).fill(0xff, 0, 1), port); // top bits set: not STUN
    const overlong = encodeStunMessage(binding(randomBytes(12)));
    overlong.writeUInt16BE(400, 2);
    await client.send(overlong, port); // length beyond the datagram
    const response = encodeStunMessage({ method: StunMethod.Binding, class: "success", transactionId: randomBytes(12), attributes: [] });
    await client.send(response, port); // a response, not a request
    // Still serving: the answer to this request is the next datagram the client gets.
    const txid = randomBytes(12);
    await client.send(encodeStunMessage(binding(txid)), port);
    const first = await client.next();
    assert.deepEqual(decodeStunMessage(first.msg).transactionId, txid);
    assert.deepEqual(
      errors.map((e) => e.code),
      ["STUN_TOO_SHORT", "STUN_NOT_STUN", "STUN_NOT_STUN", "STUN_BAD_LENGTH", "STUN_NOT_A_REQUEST"],
    );
    assert.ok(errors.slice(0, 4).every((e) => e instanceof StunRemoteError));
    const stats = server.stats();
    assert.equal(stats.received, 6);
    assert.equal(stats.answered, 1);
    assert.deepEqual(stats.errors, { STUN_TOO_SHORT: 1, STUN_NOT_STUN: 2, STUN_BAD_LENGTH: 1, STUN_NOT_A_REQUEST: 1 });
  });
});

test("unknown comprehension-required attributes get 420; other methods 400; CHANGE-REQUEST for another address is not answered", async () => {
  const errors: string[] = [];
  await withStun({ onError: (e) => errors.push(e.code) }, async (server, client) => {
    const strange: StunMessage = { ...binding(randomBytes(12)), attributes: [{ type: "OTHER", code: 0x0030, value: Buffer.alloc(4) }] };
    const r420 = await ask(client, server, encodeStunMessage(strange));
    assert.equal(getAttribute(r420.message, "ERROR-CODE")?.code, 420);
    assert.deepEqual(getAttribute(r420.message, "UNKNOWN-ATTRIBUTES")?.types, [0x0030]);

    const sharedSecret: StunMessage = { method: StunMethod.SharedSecret, class: "request", transactionId: randomBytes(16), attributes: [] };
    const r400 = await ask(client, server, encodeStunMessage(sharedSecret));
    assert.equal(getAttribute(r400.message, "ERROR-CODE")?.code, 400);

    const change = encodeStunMessage({ ...binding(randomBytes(16)), attributes: [{ type: "CHANGE-REQUEST", changeIp: true, changePort: false }] });
    await client.send(change, server.address().port);
    const noFlags = { ...binding(randomBytes(16)), attributes: [{ type: "CHANGE-REQUEST" as const, changeIp: false, changePort: false }] };
    const after = await ask(client, server, encodeStunMessage(noFlags));
    assert.equal(after.message.class, "success");
    assert.deepEqual(errors, ["STUN_UNKNOWN_ATTRIBUTES", "STUN_UNSUPPORTED_METHOD", "STUN_CHANGE_REQUEST_UNSUPPORTED"]);
    assert.equal(server.stats().answered, 3);
  });
});

test("RESPONSE-ADDRESS: honoured towards the request's own IP (with REFLECTED-FROM), refused elsewhere", async () => {
  const errors: string[] = [];
  await withStun({ onError: (e) => errors.push(e.code) }, async (server, client) => {
    const other = await udpPeer();
    try {
      // TR-111 binding-timeout discovery: ask from one port for the answer at another.
      const txid = randomBytes(16);
      const request = tr111BindingRequest({ transactionId: txid, connectionRequestBinding: false, responseAddress: { family: "IPv4", address: "127.0.0.1", port: other.port } });
      await client.send(encodeStunMessage(request), server.address().port);
      const got = await other.next();
      const reflected = decodeStunMessage(got.msg);
      assert.deepEqual(reflected.transactionId, txid);
      assert.deepEqual(getAttribute(reflected, "MAPPED-ADDRESS")?.address, { family: "IPv4", address: "127.0.0.1", port: client.port });
      assert.deepEqual(getAttribute(reflected, "REFLECTED-FROM")?.address, { family: "IPv4", address: "127.0.0.1", port: client.port });

      // Another host: answered to the source, not reflected.
      const elsewhere = tr111BindingRequest({ transactionId: randomBytes(16), connectionRequestBinding: false, responseAddress: { family: "IPv4", address: "192.0.2.1", port: 9 } });
      const r = await ask(client, server, encodeStunMessage(elsewhere));
      assert.equal(r.message.class, "success");
      assert.equal(getAttribute(r.message, "REFLECTED-FROM"), undefined);
      assert.deepEqual(errors, ["STUN_RESPONSE_ADDRESS_REFUSED"]);
    } finally {
      await other.close();
    }
  });
  // "never" ignores it even for the same IP.
  await withStun({ responseAddress: "never" }, async (server, client) => {
    const request = tr111BindingRequest({ transactionId: randomBytes(16), connectionRequestBinding: false, responseAddress: { family: "IPv4", address: "127.0.0.1", port: 9 } });
    const r = await ask(client, server, encodeStunMessage(request));
    assert.equal(r.message.class, "success");
  });
});

test("a failing password lookup is answered 500 and reported, without stopping the server", async () => {
  const errors: string[] = [];
  await withStun(
    {
      lookupPassword: () => {
        throw new Error("store down");
      },
      onError: (e) => errors.push(e.code),
    },
    async (server, client) => {
      const r = await ask(client, server, encodeStunMessage(tr111BindingRequest({ transactionId: randomBytes(16), username: "x" }), { integrityKey: "k" }));
      assert.equal(getAttribute(r.message, "ERROR-CODE")?.code, 500);
      assert.deepEqual(errors, ["STUN_LOOKUP_FAILED"]);
      const ok = await ask(client, server, encodeStunMessage(binding(randomBytes(12))));
      assert.equal(ok.message.class, "success");
    },
  );
});

test("the bind address and port are configurable and checked", async () => {
  const server = await StunServer.start({ port: 0, address: "127.0.0.1" });
  try {
    assert.equal(server.address().address, "127.0.0.1");
    assert.ok(server.address().port > 0);
    // The same port cannot be bound twice.
    await assert.rejects(StunServer.start({ port: server.address().port, address: "127.0.0.1" }), (e: unknown) => (e as { code?: string }).code === "EADDRINUSE");
  } finally {
    await server.close();
  }
  await assert.rejects(StunServer.start({ address: "not-an-ip" }), (e: unknown) => e instanceof ConnreqLocalError && e.code === "CR_INVALID_OPTIONS");
  await assert.rejects(StunServer.start({ port: 70000 }), (e: unknown) => e instanceof ConnreqLocalError);
});
