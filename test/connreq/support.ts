// Helpers for the connreq tests: a UDP socket that plays the device and collects what it receives.
import dgram from "node:dgram";

export interface Received {
  msg: Buffer;
  address: string;
  port: number;
}

export interface UdpPeer {
  socket: dgram.Socket;
  port: number;
  /** The next datagram not yet taken (matching `filter` when given), or a rejection after `timeoutMs`. */
  next(timeoutMs?: number, filter?: (r: Received) => boolean): Promise<Received>;
  send(bytes: Uint8Array, port: number, address?: string): Promise<void>;
  close(): Promise<void>;
}

export async function udpPeer(address = "127.0.0.1"): Promise<UdpPeer> {
  const socket = dgram.createSocket(address.includes(":") ? "udp6" : "udp4");
  const queue: Received[] = [];
  const waiters: { filter: (r: Received) => boolean; resolve: (r: Received) => void }[] = [];
  socket.on("message", (msg, rinfo) => {
    const r = { msg, address: rinfo.address, port: rinfo.port };
    const w = waiters.findIndex((x) => x.filter(r));
    if (w >= 0) {
      const [waiter] = waiters.splice(w, 1);
      waiter?.resolve(r);
    } else {
      queue.push(r);
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
  return {
    socket,
    port: socket.address().port,
    next(timeoutMs = 5000, filter = () => true) {
      const k = queue.findIndex(filter);
      if (k >= 0) return Promise.resolve(queue.splice(k, 1)[0] as Received);
      return new Promise((resolve, reject) => {
        const waiter = {
          filter,
          resolve: (r: Received) => {
            clearTimeout(timer);
            resolve(r);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no datagram within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    send(bytes, port, to = address) {
      return new Promise((resolve, reject) => socket.send(bytes, port, to, (err) => (err ? reject(err) : resolve())));
    },
    close() {
      return new Promise((resolve) => socket.close(() => resolve()));
    },
  };
}
