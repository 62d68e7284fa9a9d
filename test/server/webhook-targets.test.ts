// Which addresses webhooks may reach: the refused ranges, the allow-list, this host's own addresses,
// and the lookup that judges the address a name resolves to.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError } from "../../src/config/index.js";
import { startAcs } from "../../src/server/acs.js";
import { AllowTargetsError, WebhookTargetError, WebhookTargets } from "../../src/server/webhook-targets.js";
import { testConfig } from "../support/acs.js";

const lookup = (t: WebhookTargets, host: string) =>
  new Promise<string>((resolve, reject) => t.lookup(host, {}, (err, address) => (err ? reject(err) : resolve(String(address)))));

describe("webhook targets", () => {
  const t = new WebhookTargets([], () => ["203.0.113.9", "2001:db8::9"]);

  it("refuses private, loopback, link-local, metadata, reserved and this host's addresses", () => {
    for (const [address, reason] of [
      ["127.0.0.1", "loopback"], ["127.255.0.9", "loopback"], ["0.0.0.0", "this host"], ["10.1.2.3", "private"],
      ["172.16.0.1", "private"], ["192.168.0.1", "private"], ["169.254.169.254", "link-local (cloud metadata)"],
      ["100.64.0.1", "shared address space (carrier-grade NAT, some cloud metadata)"], ["255.255.255.255", "reserved"],
      ["::1", "unspecified, loopback or IPv4-compatible"], ["::", "unspecified, loopback or IPv4-compatible"],
      ["::ffff:127.0.0.1", "loopback"], ["::ffff:a9fe:a9fe", "link-local (cloud metadata)"], ["64:ff9b::7f00:1", "loopback"],
      ["64:ff9b::10.0.0.1", "private"], ["fd00:ec2::254", "unique local (private)"], ["fe80::1", "link-local"], ["ff02::1", "multicast"],
      ["203.0.113.9", "an address of this host"], ["2001:db8::9", "an address of this host"],
    ]) assert.equal(t.refusal(address!), reason, address);
    for (const address of ["93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "64:ff9b::5db8:d822"]) assert.equal(t.refusal(address), null, address);
  });

  it("judges the address a URL spells, however it spells it", () => {
    for (const url of ["http://127.1/", "http://0x7f000001/", "http://2130706433/", "http://[::ffff:127.0.0.1]/", "http://localhost/", "http://a.localhost./"]) {
      assert.throws(() => t.checkUrl(new URL(url)), WebhookTargetError, url);
    }
    t.checkUrl(new URL("https://hooks.example.net/x")); // a name is judged when it is resolved
    t.checkUrl(new URL("https://[2606:4700::1111]/x"));
  });

  it("admits what the allow-list names and nothing more", () => {
    const allowing = new WebhookTargets(["127.0.0.1", "10.20.0.0/16", "fd00::/8"], () => []);
    assert.deepEqual(["127.0.0.1", "10.20.9.9", "fd12::1", "::ffff:127.0.0.1"].map((a) => allowing.refusal(a)), [null, null, null, null]);
    assert.deepEqual(["127.0.0.2", "10.21.0.1", "fe80::1"].map((a) => allowing.refusal(a)), ["loopback", "private", "link-local"]);
    allowing.checkUrl(new URL("http://localhost:8080/"));
    for (const bad of ["10.0.0.0/33", "localhost", "10.0.0.0/8/8", "fd00::/129", "1.2.3/8", ""]) assert.throws(() => new WebhookTargets([bad]), AllowTargetsError, bad);
  });

  it("fails the lookup of a name that resolves to a refused address, and passes others", async () => {
    await assert.rejects(lookup(t, "localhost"), (e: unknown) => e instanceof WebhookTargetError && e.address === "127.0.0.1" && e.reason === "loopback");
    assert.equal(await lookup(new WebhookTargets(["127.0.0.0/8", "::1"]), "localhost"), "127.0.0.1");
  });

  it("keeps the ACS from starting with an allow-list entry it cannot read, naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "provisio-targets-"));
    try {
      const config = testConfig(dir, `sqlite:${join(dir, "db.sqlite")}`, { webhooks: { allowTargets: ["10.0.0.0/8", "10.0.0.0/33"] } });
      await assert.rejects(startAcs(config), (e: unknown) => e instanceof ConfigError && /"10\.0\.0\.0\/33" is not an address or a CIDR range/.test(e.message));
      assert.equal(existsSync(join(dir, "db.sqlite")), false, "refused before anything was opened");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
