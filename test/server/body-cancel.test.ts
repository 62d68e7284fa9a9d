// A body whose connection fails under it (cwmp-server.ts's clientError handler) is refused with the
// reason it is cancelled with (body.ts's BodyCancel), over a real socket.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { BodyCancel, BodyError, readBody } from "../../src/server/body.js";

describe("readBody with a BodyCancel", () => {
  let port = 0;
  let arrived: (req: IncomingMessage) => void = () => undefined;
  const server = createServer((req, res) => {
    arrived(req);
    req.once("close", () => res.destroy());
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Sends `text` on a new connection; resolves with the request once the server has it. */
  async function send(text: string): Promise<{ req: IncomingMessage; end(): void }> {
    const got = new Promise<IncomingMessage>((resolve) => (arrived = resolve));
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.write(text);
    return { req: await got, end: () => socket.destroy() };
  }

  /** The headers of a 1,000-byte body and `sent` bytes of it. */
  const partialRequest = (sent: number) => send(`POST / HTTP/1.1\r\nHost: acs\r\nContent-Length: 1000\r\n\r\n${"x".repeat(sent)}`);

  it("rejects with the cancel's reason when cancelled while the body arrives", async () => {
    const { req, end } = await partialRequest(100);
    const cancel = new BodyCancel();
    // Bounded: a cancel that went unheard ends in BODY_TIMEOUT, not in a hang.
    const reading = readBody(req, { maxBytes: 4096, cancel, timeoutMs: 2000 });
    const reason = new BodyError(400, "BODY_FRAMING", "the request could not be read (HPE_TEST)");
    setTimeout(() => cancel.cancel(reason), 20);
    await assert.rejects(reading, (err: unknown) => err === reason);
    end();
  });

  it("rejects at once a body whose connection had already failed", async () => {
    const { req, end } = await partialRequest(10);
    const cancel = new BodyCancel();
    const reason = new BodyError(408, "BODY_TIMEOUT", "the request could not be read (ERR_HTTP_REQUEST_TIMEOUT)");
    cancel.cancel(reason);
    // A second reason changes nothing: the first is what the request is refused with.
    cancel.cancel(new BodyError(400, "BODY_ABORTED", "later"));
    await assert.rejects(readBody(req, { maxBytes: 4096, cancel }), (err: unknown) => err === reason);
    end();
  });

  it("reads a whole body that nothing cancels", async () => {
    const { req, end } = await send("POST / HTTP/1.1\r\nHost: acs\r\nContent-Length: 5\r\n\r\nhello");
    const body = await readBody(req, { maxBytes: 4096, cancel: new BodyCancel() });
    assert.equal(body.toString(), "hello");
    end();
  });
});
