// A blackout of one page's traffic, with iptables DROP rules, only ever inside the e2e runner's
// private loopback-only network namespace (tests/e2e/run.ts; refused anywhere else), and always
// removed again. The page's media is matched by its own UDP ports (read from its peer
// connections), its signaling by a TCP port of its own: it reaches the edge through
// `SignalingRelay`, a plain TCP relay in the test, so a DROP on the relay's port cuts that page's
// WebSocket, and any new one it opens, without touching the other pages.
import { spawnSync } from "node:child_process";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { Page } from "playwright-core";
import { insideNamespace } from "../../support/netns.ts";

function iptables(args: string[]): void {
  const result = spawnSync("iptables", ["-w", ...args], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`iptables ${args.join(" ")}: ${result.stderr || result.error?.message}`);
}

/** The rules of one blackout; `lift()` removes exactly them (idempotent). */
export class Blackout {
  readonly #rules: string[][] = [];
  #lifted = false;

  /**
   * Drops every packet to or from the UDP `udpPorts` (the page's ICE sockets), to or from the
   * TCP `tcpPorts` (its signaling relay), and TCP to `mediaTcpPort` (so ICE cannot fall back to
   * the media node's TCP candidate meanwhile).
   */
  static impose(ports: { udp: number[]; tcp: number[]; mediaTcpPort?: number }): Blackout {
    if (!insideNamespace()) {
      throw new Error("a blackout is only imposed inside the e2e runner's private network namespace");
    }
    const blackout = new Blackout();
    try {
      for (const port of ports.udp) {
        blackout.#add(["-p", "udp", "--sport", String(port), "-j", "DROP"]);
        blackout.#add(["-p", "udp", "--dport", String(port), "-j", "DROP"]);
      }
      for (const port of ports.tcp) {
        blackout.#add(["-p", "tcp", "--sport", String(port), "-j", "DROP"]);
        blackout.#add(["-p", "tcp", "--dport", String(port), "-j", "DROP"]);
      }
      if (ports.mediaTcpPort !== undefined) {
        blackout.#add(["-p", "tcp", "--dport", String(ports.mediaTcpPort), "-j", "DROP"]);
      }
    } catch (error) {
      blackout.lift();
      throw error;
    }
    return blackout;
  }

  #add(rule: string[]): void {
    iptables(["-I", "OUTPUT", ...rule]);
    this.#rules.push(rule);
  }

  lift(): void {
    if (this.#lifted) return;
    this.#lifted = true;
    for (const rule of this.#rules.reverse()) iptables(["-D", "OUTPUT", ...rule]);
  }
}

/** A TCP relay to the edge on a port of its own, for one page's signaling. */
export class SignalingRelay {
  readonly #server: Server;
  readonly #sockets: Set<Socket>;
  readonly port: number;

  private constructor(server: Server, port: number, sockets: Set<Socket>) {
    this.#server = server;
    this.port = port;
    this.#sockets = sockets;
  }

  static async start(edgeUrl: string): Promise<SignalingRelay> {
    const target = new URL(edgeUrl);
    const sockets = new Set<Socket>();
    const server = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        if (address === null || typeof address === "string") reject(new Error("no port"));
        else resolve(address.port);
      });
    });
    return new SignalingRelay(server, port, sockets);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * Before the app loads: records the page's peer connections (for their ports) and every
 * signaling message it sends and receives (`window.__signals`: `in:type` / `out:type`, with the
 * user of `user-left` / `user-joined`), without changing the app.
 */
export async function watchPage(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as {
      __pcs: RTCPeerConnection[];
      __signals: string[];
      RTCPeerConnection: typeof RTCPeerConnection;
      WebSocket: typeof WebSocket;
    };
    w.__pcs = [];
    w.__signals = [];
    const NativePc = w.RTCPeerConnection;
    w.RTCPeerConnection = class extends NativePc {
      constructor(config?: RTCConfiguration) {
        super(config);
        w.__pcs.push(this);
      }
    };
    const describe = (raw: unknown): string => {
      try {
        const message = JSON.parse(String(raw)) as { type?: string; data?: { user?: string } };
        return message.data?.user === undefined ? String(message.type) : `${message.type}:${message.data.user}`;
      } catch {
        return "?";
      }
    };
    const NativeWs = w.WebSocket;
    w.WebSocket = class extends NativeWs {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener("message", (event) => w.__signals.push(`in:${describe(event.data)}`));
      }
      override send(data: Parameters<WebSocket["send"]>[0]): void {
        w.__signals.push(`out:${describe(data)}`);
        super.send(data);
      }
    };
  });
}

/** What `watchPage` recorded so far. */
export function signals(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __signals?: string[] }).__signals ?? []);
}

/** The page's ICE sockets (local UDP ports) and the media node's TCP ports, from its peer connections' stats. */
export async function mediaPorts(page: Page): Promise<{ local: number[]; remoteTcp: number[] }> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? [];
    const local = new Set<number>();
    const remoteTcp = new Set<number>();
    for (const pc of pcs) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((report: { type: string; port?: number; protocol?: string }) => {
        if (report.port === undefined) return;
        if (report.type === "local-candidate" && report.protocol === "udp") local.add(report.port);
        if (report.type === "remote-candidate" && report.protocol === "tcp") remoteTcp.add(report.port);
      });
    }
    return { local: [...local], remoteTcp: [...remoteTcp] };
  });
}
