// The ACS benchmark's baseline: a bare node:http server that answers the benchmark's session with
// fixed bytes (only the cwmp:ID is echoed, as CPEs require), with the same Digest challenge on the first
// request of a connection. It does no parsing, storage or authentication checking: it is what the
// network, HTTP and the simulator cost on their own, measured in the same run as the ACS.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serializeEnvelope } from "../../src/cwmp/index.js";

/**
 * What the benchmark's session reads: none of them is in the Inform, whose values count as read in the
 * session (maxAge counts from the session's start), so the ACS asks for all ten.
 */
export const BENCH_PARAMETERS = [
  "Device.DeviceInfo.UpTime",
  "Device.DeviceInfo.ModelNumber",
  "Device.DeviceInfo.Description",
  "Device.DeviceInfo.ModelName",
  "Device.DeviceInfo.Manufacturer",
  "Device.DeviceInfo.SerialNumber",
  "Device.ManagementServer.PeriodicInformInterval",
  "Device.ManagementServer.PeriodicInformEnable",
  "Device.DeviceInfo.FirstUseDate",
  "Device.Time.CurrentLocalTime",
];

const ID = "__ID__";
const informResponse = serializeEnvelope({ ns: "1-2", header: { id: ID }, body: { method: "InformResponse", maxEnvelopes: 1 } });
const gpv = serializeEnvelope({ ns: "1-2", header: { id: "bench.1" }, body: { method: "GetParameterValues", parameterNames: BENCH_PARAMETERS } });
const challenge = 'Digest realm="provisio", qop="auth", nonce="0000000000000000000000000000000000000000000000ff", algorithm=MD5';

export async function startBaselineServer(port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const authenticated = new WeakSet<object>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (!authenticated.has(req.socket)) {
        if (req.headers.authorization === undefined) {
          res.writeHead(401, { "WWW-Authenticate": challenge, "Content-Length": "0" });
          res.end();
          return;
        }
        authenticated.add(req.socket);
      }
      const body = Buffer.concat(chunks).toString("utf8");
      if (body.length === 0) {
        res.writeHead(200, { "Content-Type": 'text/xml; charset="utf-8"' });
        res.end(gpv);
      } else if (body.includes("Inform>") || body.includes("Inform ")) {
        const id = /<(?:[A-Za-z_][\w.-]*:)?ID[^>]*>([^<]*)</.exec(body)?.[1] ?? "1";
        res.writeHead(200, { "Content-Type": 'text/xml; charset="utf-8"', "Set-Cookie": "baseline=1; Path=/" });
        res.end(informResponse.replace(ID, id));
      } else {
        res.writeHead(204);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
