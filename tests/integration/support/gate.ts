// An HTTP proxy between the edge and a media node that can hold chosen requests until the test
// lets them through: it widens a race window (the edge awaiting the node) from microseconds to
// as long as the test needs, so interleavings that real networks produce by chance happen every
// time. Everything else is forwarded untouched (the signature covers method, path and body).
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface HeldRequest {
  method: string;
  path: string;
}

export interface Gate {
  /** http://127.0.0.1:PORT: give this to the edge instead of the node's URL. */
  url: string;
  /** From now on, requests for which `match` holds wait at the gate. */
  hold(match: (request: HeldRequest) => boolean): void;
  /** Resolves once `count` requests are waiting (fails after a bounded wait, naming what was seen). */
  held(count: number): Promise<HeldRequest[]>;
  /** Stops holding and forwards everything that waits. */
  release(): void;
  close(): Promise<void>;
}

export async function startGate(targetUrl: string): Promise<Gate> {
  const target = new URL(targetUrl);
  let match: ((request: HeldRequest) => boolean) | undefined;
  let waiting: { request: HeldRequest; forward: () => void }[] = [];
  const seen: string[] = [];

  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (error) => {
      res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "internal", message: `gate: ${error.message}` } }));
    });
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = { method: req.method ?? "GET", path: req.url ?? "/" };
      seen.push(`${request.method} ${request.path}`);
      const go = () => forward(req, Buffer.concat(chunks), res);
      if (match?.(request)) waiting.push({ request, forward: go });
      else go();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const gate: Gate = {
    url: `http://127.0.0.1:${port}`,
    hold(next) {
      match = next;
    },
    async held(count) {
      for (let look = 0; look < 1000; look++) {
        if (waiting.length >= count) return waiting.map((w) => w.request);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`gate: ${waiting.length} of ${count} requests held; seen: ${seen.slice(-20).join(", ")}`);
    },
    release() {
      match = undefined;
      const queued = waiting;
      waiting = [];
      for (const w of queued) w.forward();
    },
    close() {
      gate.release();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return gate;
}
