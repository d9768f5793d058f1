import { createSocket, type Socket } from "node:dgram";
import { describe, expect, it } from "vitest";
import { freeRtpPortPair, portTaken } from "../../media-node/src/recording/udp-ports.ts";

function bound(port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket({ type: "udp4", reuseAddr: false });
    socket.once("error", () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind(port, "127.0.0.1", () => resolve(socket));
  });
}

const close = (socket: Socket) => new Promise<void>((resolve) => socket.close(() => resolve()));

describe("the recorder's UDP ports", () => {
  it("sees a port taken while something holds it, and free after", async () => {
    const port = await freeRtpPortPair();
    expect(await portTaken(port)).toBe(false);
    const socket = await bound(port);
    expect(socket).toBeDefined();
    expect(await portTaken(port)).toBe(true);
    if (socket !== undefined) await close(socket);
    expect(await portTaken(port)).toBe(false);
  });

  it("never takes the port it watches: a recorder binding it meanwhile always gets it", async () => {
    // The node polls portTaken() while the recorder starts; a poll that bound the port itself made
    // the recorder's own bind fail now and then (seen on CI: a track never recorded).
    const port = await freeRtpPortPair();
    let polling = true;
    const poller = (async () => {
      while (polling) await portTaken(port);
    })();
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const socket = await bound(port);
      if (socket === undefined) refused++;
      else await close(socket);
    }
    polling = false;
    await poller;
    expect(refused).toBe(0);
  });
});
