// A cap on the connections one source address holds open at once, over every server it watches: one
// host opening connections by the thousand (slowloris) runs into it, instead of the process running
// out of file descriptors for everyone. Connections past the cap are closed at once, unread.

import type { Server, Socket } from "node:net";

export class AddressCap {
  private readonly open = new Map<string, number>();

  /** max: connections per address; 0: no cap. */
  constructor(
    private readonly max: number,
    private readonly refused: (address: string) => void = () => undefined,
  ) {}

  watch(server: Server): void {
    if (this.max <= 0) return;
    server.on("connection", (socket: Socket) => {
      const address = socket.remoteAddress ?? "";
      const n = this.open.get(address) ?? 0;
      if (n >= this.max) {
        socket.destroy();
        this.refused(address);
        return;
      }
      this.open.set(address, n + 1);
      socket.once("close", () => {
        const left = (this.open.get(address) ?? 1) - 1;
        if (left > 0) this.open.set(address, left);
        else this.open.delete(address);
      });
    });
  }
}
