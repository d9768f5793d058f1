// The tests' own relay between the browsers and the media node: the node announces the relay's
// address (127.0.0.2:PORT) and listens on 127.0.0.1:PORT; the relay forwards each client's UDP
// datagrams from a socket of its own (one per client, like a NAT) and the answers back, and
// pipes TCP connections through. It can hold every datagram for a delay with jitter (this
// kernel has no sch_netem); TCP passes undelayed. Started and closed by each test file.
import { createSocket, type Socket } from "node:dgram";
import { createConnection, createServer, type Server, type Socket as TcpSocket } from "node:net";

export interface RelayOptions {
  /** Where clients send (the announced address). */
  listen: { ip: string; port: number };
  /** The media node's RTC address. */
  target: { ip: string; port: number };
}

export class MediaRelay {
  readonly listen: { ip: string; port: number };
  readonly #target: { ip: string; port: number };
  readonly #front: Socket;
  readonly #tcp: Server;
  readonly #flows = new Map<string, Socket>();
  readonly #tcpSockets = new Set<TcpSocket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #delayMs = 0;
  #jitterMs = 0;
  #closed = false;
  /** Datagrams forwarded either way (for a failure's report). */
  forwarded = 0;

  private constructor(options: RelayOptions, front: Socket, tcp: Server) {
    this.listen = options.listen;
    this.#target = options.target;
    this.#front = front;
    this.#tcp = tcp;
    front.on("message", (message, from) => this.#fromClient(message, from.address, from.port));
    tcp.on("connection", (client) => this.#pipe(client));
  }

  static async start(options: RelayOptions): Promise<MediaRelay> {
    const front = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      front.once("error", reject);
      front.bind(options.listen.port, options.listen.ip, () => {
        front.off("error", reject);
        resolve();
      });
    });
    const tcp = createServer();
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(options.listen.port, options.listen.ip, () => {
        tcp.off("error", reject);
        resolve();
      });
    }).catch((error: unknown) => {
      front.close();
      throw error;
    });
    return new MediaRelay(options, front, tcp);
  }

  /** From now on every datagram waits `ms` +- `jitter` ms (uniformly drawn) before it goes on. */
  setDelay(ms: number, jitter: number): void {
    if (ms < 0 || jitter < 0 || jitter > ms) throw new Error(`relay: bad delay ${ms} +- ${jitter} ms`);
    this.#delayMs = ms;
    this.#jitterMs = jitter;
  }

  #later(send: () => void): void {
    if (this.#delayMs === 0) {
      send();
      return;
    }
    const wait = this.#delayMs + (Math.random() * 2 - 1) * this.#jitterMs;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#closed) send();
    }, wait);
    this.#timers.add(timer);
  }

  #fromClient(message: Buffer, address: string, port: number): void {
    const key = `${address}:${port}`;
    let upstream = this.#flows.get(key);
    if (upstream === undefined) {
      const client = { address, port };
      upstream = createSocket("udp4");
      upstream.bind(0, this.#target.ip);
      upstream.on("message", (answer) => {
        this.#later(() => {
          this.forwarded++;
          this.#front.send(answer, client.port, client.address);
        });
      });
      upstream.on("error", () => {});
      this.#flows.set(key, upstream);
    }
    const socket = upstream;
    this.#later(() => {
      this.forwarded++;
      socket.send(message, this.#target.port, this.#target.ip);
    });
  }

  #pipe(client: TcpSocket): void {
    const server = createConnection(this.#target.port, this.#target.ip);
    for (const socket of [client, server]) {
      this.#tcpSockets.add(socket);
      socket.on("close", () => this.#tcpSockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        server.destroy();
      });
    }
    client.pipe(server);
    server.pipe(client);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    for (const upstream of this.#flows.values()) upstream.close();
    for (const socket of this.#tcpSockets) socket.destroy();
    this.#front.close();
    await new Promise<void>((resolve) => this.#tcp.close(() => resolve()));
  }
}
