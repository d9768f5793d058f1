import { createSocket } from "node:dgram";
import { readFile } from "node:fs/promises";

function bind(port: number): Promise<import("node:dgram").Socket | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    socket.once("error", () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind(port, "127.0.0.1", () => resolve(socket));
  });
}

/** The local ports of the IPv4 UDP sockets in the kernel's table (Linux), or undefined elsewhere. */
async function boundUdpPorts(): Promise<Set<number> | undefined> {
  let table: string;
  try {
    table = await readFile("/proc/net/udp", "utf8");
  } catch {
    return undefined;
  }
  const ports = new Set<number>();
  // "  sl  local_address rem_address ...": local_address is "0100007F:1F90" (hex address:port).
  for (const line of table.split("\n").slice(1)) {
    const local = line.trim().split(/\s+/)[1];
    const hex = local?.split(":")[1];
    if (hex !== undefined) ports.add(Number.parseInt(hex, 16));
  }
  return ports;
}

/**
 * True once something holds the port (the recorder has bound it). On Linux this reads the kernel's
 * socket table and never touches the port: a probe that binds it would, for that instant, make the
 * recorder's own bind fail. Elsewhere it probes by binding.
 */
export async function portTaken(port: number): Promise<boolean> {
  const bound = await boundUdpPorts();
  if (bound !== undefined) return bound.has(port);
  const socket = await bind(port);
  if (socket === undefined) return true;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return false;
}

/**
 * An even UDP port on 127.0.0.1 whose successor is free too (RTP and RTCP for the recorder), found by
 * binding both and letting go: the recorder binds them right after (and is started again on another
 * pair if something took them meanwhile: track-recorder.ts).
 */
export async function freeRtpPortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + 2 * Math.floor(Math.random() * 9000);
    const rtp = await bind(port);
    if (rtp === undefined) continue;
    const rtcp = await bind(port + 1);
    await new Promise<void>((resolve) => rtp.close(() => resolve()));
    if (rtcp === undefined) continue;
    await new Promise<void>((resolve) => rtcp.close(() => resolve()));
    return port;
  }
  throw new Error("no free UDP port pair for the recorder");
}
