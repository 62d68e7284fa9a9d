// Slow clients (slowloris): a thousand connections trickling their headers or bodies must not keep CPEs
// out, and each of them is cut off once it takes longer than the limits allow.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { backend } from "../support/pg.js";
import { chunk, RawConnection } from "../support/raw-http.js";
import { TestCpe } from "../support/test-cpe.js";

const SLOW_BODIES = 700;
const SLOW_HEADERS = 300;
const SESSIONS = 20;

type Framing = "content-length" | "chunked";

function head(framing: Framing, length: number): string {
  const frame = framing === "chunked" ? "Transfer-Encoding: chunked" : `Content-Length: ${length}`;
  return `POST / HTTP/1.1\r\nHost: acs\r\nContent-Type: text/xml\r\n${frame}\r\n\r\n`;
}

function piece(framing: Framing, bytes: number): Buffer {
  const b = Buffer.alloc(bytes, 0x20);
  return framing === "chunked" ? chunk(b) : b;
}

async function session(url: string, username: string, password: string): Promise<string> {
  const cpe = new TestCpe({ url, username, password });
  try {
    const inform = await cpe.inform(["1 BOOT"]);
    const end = await cpe.send(null);
    return `${inform.status} ${end.status}`;
  } finally {
    cpe.close();
  }
}

describe("slow clients", () => {
  describe(`${SLOW_BODIES + SLOW_HEADERS} slow connections open`, () => {
    let t: TestAcs;
    const slow: RawConnection[] = [];
    let trickle: NodeJS.Timeout | undefined;
    before(async () => {
      // Limits far away, so that the slow connections stay open all through the test: what is shown is
      // that they hold no slot, not that they are cut off.
      t = await startTestAcs(backend("sqlite"), { settings: { cwmp: { headersTimeout: 300, bodyTimeout: 300, minBodyRate: 0 } } });
    });
    after(async () => {
      clearInterval(trickle);
      for (const c of slow) c.destroy();
      await t.stop();
    });

    it("leave every slot to legitimate sessions, which all succeed", async () => {
      const port = Number(new URL(t.url).port);
      // In batches, so that the listen backlog never overflows into SYN retries.
      for (let i = 0; i < SLOW_BODIES + SLOW_HEADERS; i += 100) {
        const batch = await Promise.all(Array.from({ length: 100 }, () => RawConnection.open({ port })));
        slow.push(...batch);
      }
      await Promise.all(
        slow.map((c, i) => (i < SLOW_BODIES ? c.write(head(i % 2 === 0 ? "chunked" : "content-length", 100_000)) : c.write("POST / HTTP/1.1\r\nHost: acs\r\n"))),
      );
      trickle = setInterval(() => {
        slow.forEach((c, i) => void c.write(i < SLOW_BODIES ? piece(i % 2 === 0 ? "chunked" : "content-length", 1) : "X"));
      }, 1000);

      const outcomes = await Promise.all(Array.from({ length: SESSIONS }, () => session(t.url, t.username, t.password)));
      assert.deepEqual(outcomes, Array(SESSIONS).fill("200 204"));
      // The slow connections were all there meanwhile, unanswered.
      assert.equal(slow.filter((c) => c.closed || c.answered).length, 0);
    });
  });

  describe("cwmp.maxConnectionsPerAddress", () => {
    let t: TestAcs;
    before(async () => {
      t = await startTestAcs(backend("sqlite"), { settings: { cwmp: { maxConnectionsPerAddress: 10, headersTimeout: 300 } } });
    });
    after(() => t.stop());

    it("closes at once the connections one address opens past the cap, and serves other addresses", async () => {
      const port = Number(new URL(t.url).port);
      const flooder = { port, localAddress: "127.0.0.2" };
      const held = await Promise.all(Array.from({ length: 10 }, () => RawConnection.open(flooder)));
      await Promise.all(held.map((c) => c.write("POST / HTTP/1.1\r\n")));
      try {
        const over = await RawConnection.open(flooder);
        assert.equal(await over.response(10_000), null);
        assert.ok(over.closed);
        const other = await RawConnection.open({ port, localAddress: "127.0.0.3" });
        await other.write("POST / HTTP/1.1\r\nHost: acs\r\nContent-Length: 0\r\n\r\n");
        assert.equal((await other.response())?.status, 401);
        other.destroy();
        assert.equal(held.filter((c) => c.closed).length, 0);

        // A place freed is a place taken again.
        held.pop()!.destroy();
        let again: RawConnection | undefined;
        for (let i = 0; i < 50 && again === undefined; i++) {
          const c = await RawConnection.open(flooder);
          await c.write("POST / HTTP/1.1\r\nHost: acs\r\nContent-Length: 0\r\n\r\n");
          if ((await c.response())?.status === 401) again = c;
          else await new Promise((r) => setTimeout(r, 20));
        }
        assert.ok(again, "the freed place was not given again");
        again.destroy();
      } finally {
        held.forEach((c) => c.destroy());
      }
    });
  });

  describe("limits", () => {
    let t: TestAcs;
    before(async () => {
      t = await startTestAcs(backend("sqlite"), { settings: { cwmp: { headersTimeout: 2, bodyTimeout: 7, minBodyRate: 100 } } });
    });
    after(() => t.stop());

    it("cut off headers past cwmp.headersTimeout, bodies below cwmp.minBodyRate and bodies past cwmp.bodyTimeout, in both framings", async () => {
      const port = Number(new URL(t.url).port);
      const timers: NodeJS.Timeout[] = [];
      /** Sends `bytes` every `everyMs` until answered. */
      const trickled = async (framing: Framing, bytes: number, everyMs: number) => {
        const c = await RawConnection.open({ port });
        await c.write(head(framing, 1_000_000));
        timers.push(setInterval(() => void c.write(piece(framing, bytes)), everyMs));
        return c;
      };
      try {
        const headers = await RawConnection.open({ port });
        await headers.write("POST / HTTP/1.1\r\nHost: acs\r\n");
        timers.push(setInterval(() => void headers.write("X"), 200));
        const tooSlow = await Promise.all((["content-length", "chunked"] as const).map((f) => trickled(f, 1, 500)));
        const tooLong = await Promise.all((["content-length", "chunked"] as const).map((f) => trickled(f, 250, 250)));

        const h = await headers.response(30_000);
        assert.equal(h?.status, 408);
        for (const c of tooSlow) {
          const r = await c.response(30_000);
          assert.equal(r?.status, 408);
          assert.match(r.body, /BODY_TIMEOUT: .*bytes\/s, below the minimum of 100/);
        }
        for (const c of tooLong) {
          const r = await c.response(30_000);
          assert.equal(r?.status, 408);
          assert.match(r.body, /BODY_TIMEOUT: .*not complete within 7 s/);
        }
      } finally {
        timers.forEach(clearInterval);
      }
      assert.equal(await session(t.url, t.username, t.password), "200 204");
    });
  });
});
