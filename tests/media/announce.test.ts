import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AnnounceRequest, ReplayGuard, registryPaths, verifyRequest } from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECRET, startTestNode, waitFor } from "./helpers.ts";

type Received = { path: string; verified: boolean; body: AnnounceRequest | undefined };

let edge: Server;
let edgeUrl: string;
const received: Received[] = [];
const replay = new ReplayGuard();

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    req.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on("end", () => resolve(text));
  });
}

beforeAll(async () => {
  edge = createServer(async (req, res) => {
    const body = await readAll(req);
    const auth = await verifyRequest({
      secret: SECRET,
      method: req.method ?? "",
      pathWithQuery: req.url ?? "",
      header: (name) => req.headers[name] as string | undefined,
      body,
      replay,
    });
    const parsed = AnnounceRequest.safeParse(JSON.parse(body || "null"));
    received.push({ path: req.url ?? "", verified: auth.ok, body: parsed.success ? parsed.data : undefined });
    res.writeHead(auth.ok ? 204 : 401).end();
  });
  await new Promise<void>((resolve) => edge.listen(0, "127.0.0.1", resolve));
  edgeUrl = `http://127.0.0.1:${(edge.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => edge.close(resolve));
});

describe("announcing to the edge", () => {
  it("posts signed, schema-valid load reports, and a last one with draining on close", async () => {
    const node = await startTestNode({ edgeUrl, announceIntervalMs: 1000, publicUrl: "http://media-1.test:4000" });
    try {
      await waitFor("two announcements", () => received.length >= 2);
    } finally {
      await node.close();
    }
    expect(received.every((r) => r.path === registryPaths.announce && r.verified)).toBe(true);
    const first = received[0]?.body;
    expect(first).toMatchObject({
      url: "http://media-1.test:4000",
      draining: false,
      capacity: { workers: 1 },
      load: { rooms: 0, transports: 0, producers: 0, consumers: 0 },
    });
    expect(received.at(-1)?.body?.draining).toBe(true);
  });

  it("stays silent without an edge URL", async () => {
    const before = received.length;
    const node = await startTestNode();
    await node.close();
    expect(received.length).toBe(before);
  });
});
