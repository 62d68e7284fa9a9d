// The pure parts of the MQTT MTP: TR-369's topic conventions and the embedded broker's packet size guard.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MqttPacketSizeGuard } from "../../src/mtp/mqtt-packet-size.js";
import { agentTopic, endpointIdOfAgentTopic, isTopicName, isUnsupportedVersion, listenFilters, mqttSafeId, splitReplyTo, withReplyTo } from "../../src/mtp/mqtt-usp.js";

describe("TR-369 MQTT topic conventions", () => {
  it("writes and reads the MQTT 3.1.1 reply-to as TR-369's example does", () => {
    const name = withReplyTo("usp/agents/cid:3AA3F8:my-unique-usp-id-42", "usp/controllers/oui:00256D:my-unique-bbf-id-42");
    assert.equal(name, "usp/agents/cid:3AA3F8:my-unique-usp-id-42/reply-to=usp%2Fcontrollers%2Foui:00256D:my-unique-bbf-id-42");
    assert.deepEqual(splitReplyTo(name), { topic: "usp/agents/cid:3AA3F8:my-unique-usp-id-42", replyTo: "usp/controllers/oui:00256D:my-unique-bbf-id-42" });
  });

  it("takes the last /reply-to=, and none when there is none or it is empty", () => {
    assert.deepEqual(splitReplyTo("a/reply-to=b/reply-to=c%2Fd"), { topic: "a/reply-to=b", replyTo: "c/d" });
    assert.deepEqual(splitReplyTo("usp/controller"), { topic: "usp/controller", replyTo: null });
    assert.deepEqual(splitReplyTo("usp/controller/reply-to="), { topic: "usp/controller", replyTo: null });
  });

  it("keeps a valid endpoint id as it is, and makes any other one level and never a filter", () => {
    assert.equal(mqttSafeId("os::00D09E-Gateway-SN%2F1"), "os::00D09E-Gateway-SN%2F1");
    assert.equal(mqttSafeId("os::00D09E-a/b+c#d\u0000"), "os::00D09E-a%2Fb%2Bc%23d%00");
    assert.equal(agentTopic("os::00D09E-a/b"), "usp/agent/os::00D09E-a%2Fb");
    assert.equal(endpointIdOfAgentTopic(agentTopic("os::00D09E-a/b+c")), "os::00D09E-a/b+c");
    assert.equal(endpointIdOfAgentTopic("usp/agent/os::00D09E-X-1"), "os::00D09E-X-1");
    for (const other of ["usp/agent/", "usp/agent/a/b", "elsewhere/os::1-2", "usp/controller"]) assert.equal(endpointIdOfAgentTopic(other), null, other);
  });

  it("tells topic names from filters, and listens on the topic and one level below it", () => {
    assert.ok(isTopicName("usp/controller"));
    for (const bad of ["", "usp/#", "usp/+/x", "a\u0000b"]) assert.equal(isTopicName(bad), false, JSON.stringify(bad));
    assert.deepEqual(listenFilters("usp/controller"), ["usp/controller", "usp/controller/+"]);
  });

  it("reads both versions' 'unsupported protocol version' CONNACK codes", () => {
    assert.ok(isUnsupportedVersion(1) && isUnsupportedVersion(0x84));
    for (const other of [0, 4, 5, 0x86, 0x87, undefined]) assert.equal(isUnsupportedVersion(other), false, String(other));
  });
});

/** An MQTT packet: a fixed header with `length` as Remaining Length, then that many bytes. */
function packet(length: number): Uint8Array {
  const header = [0x30];
  let n = length;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    header.push(byte);
  } while (n > 0);
  return Uint8Array.from([...header, ...new Uint8Array(length).fill(0x30)]);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe("the embedded broker's packet size guard", () => {
  it("passes packets up to the limit however the stream is cut, and stops at the first one above it", () => {
    const stream = concat(packet(0), packet(127), packet(128), packet(1000), packet(20000), packet(1000));
    for (const cut of [1, 2, 3, 7, 130, stream.length]) {
      const small = new MqttPacketSizeGuard(20000);
      const tight = new MqttPacketSizeGuard(19999);
      let smallOk = true;
      let tightOk = true;
      let tightStoppedAt = -1;
      for (let at = 0; at < stream.length; at += cut) {
        const chunk = stream.subarray(at, at + cut);
        smallOk &&= small.feed(chunk);
        if (tightOk && !tight.feed(chunk)) {
          tightOk = false;
          tightStoppedAt = at;
        }
      }
      assert.equal(smallOk, true, `cut ${cut}`);
      assert.equal(tightOk, false, `cut ${cut}`);
      // Stopped on the 20000-byte packet's header, before its body went by.
      const bigAt = packet(0).length + packet(127).length + packet(128).length + packet(1000).length;
      assert.ok(tightStoppedAt <= bigAt + 3 && tightStoppedAt + cut > bigAt, `cut ${cut}: stopped at ${tightStoppedAt}`);
    }
  });

  it("refuses a Remaining Length of more than four bytes, and a huge one at once", () => {
    assert.equal(new MqttPacketSizeGuard(1 << 30).feed(Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), false);
    assert.equal(new MqttPacketSizeGuard(1024).feed(Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0x7f])), false);
  });
});
