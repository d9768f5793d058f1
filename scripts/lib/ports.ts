import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import type { Service } from "./processes.ts";

/** True when nothing listens on TCP host:port (we could bind it). */
export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** True when nothing is bound to UDP host:port. */
export function isUdpPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket(host.includes(":") ? "udp6" : "udp4");
    socket.once("error", () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ port, address: host, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

/**
 * Polls `url` until it answers 2xx; fails when the deadline passes or `service` exits first,
 * with the service's last output lines in the message.
 */
export async function waitForHealthy(url: string, timeoutMs: number, service?: Service): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | string | undefined;
  void service?.exited.then((code) => {
    exitCode = code;
  });
  const tail = () => (service === undefined ? "" : `; its last lines:\n${service.tail()}`);
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new Error(`${service?.name} exited (${exitCode}) before ${url} became healthy${tail()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become healthy within ${Math.round(timeoutMs / 1000)} s${tail()}`);
}
