// Webhooks end to end: `wrangler dev` (with a media node, so tracks are published) posts room
// events to a real HTTP receiver on loopback. Each
// delivery's signature is checked with our verifyWebhook and with LiveKit's own WebhookReceiver; a
// receiver that fails at first gets the events on a retry; one that hangs does not slow the room.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createJoinToken, type TokenKeys, verifyWebhook, type WebhookEvent } from "@huddle/protocol/access";
import { WebhookReceiver } from "livekit-server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Edge, startEdge } from "../support/edge.ts";
import { startTestMediaNode, type TestMediaNode } from "../support/media-nodes.ts";
import { RoomClient } from "../support/room-client.ts";
import { waitFor } from "../support/wait.ts";
import { connectedTransport, produce } from "./support/sfu.ts";

const API_KEY = "APIwebhooks";
const API_SECRET = randomBytes(32).toString("hex");
const keys: TokenKeys = { secrets: new Map([[API_KEY, API_SECRET]]) };
const livekit = new WebhookReceiver(API_KEY, API_SECRET);
/** The flaky receiver answers 503 this many times before it accepts. */
const FLAKY_FAILURES = 3;

interface Received {
  event: WebhookEvent;
  /** LiveKit's WebhookReceiver accepted the same request. */
  livekitEvent: string;
}

/** One loopback HTTP server; its paths are the receivers named in WEBHOOK_URLS. */
class Receivers {
  readonly ok: Received[] = [];
  readonly flaky: Received[] = [];
  flakyFailures = 0;
  /** Ids of the events the flaky receiver refused. */
  readonly refusedIds: string[] = [];
  /** Whether /hang holds requests open (until release) instead of answering 200. */
  hanging = false;
  /** /hang requests held open right now. */
  readonly held = new Set<ServerResponse>();
  /** Requests whose signature or body did not verify (must stay empty). */
  readonly rejected: string[] = [];
  readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => void this.#handle(req, res));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    if (req.url === "/hang" && this.hanging) {
      this.held.add(res);
      res.on("close", () => this.held.delete(res));
      return;
    }
    const verified = await verifyWebhook(body, req.headers.authorization, keys);
    let livekitEvent = "";
    try {
      livekitEvent = (await livekit.receive(body, req.headers.authorization)).event;
    } catch (error) {
      this.rejected.push(`LiveKit's WebhookReceiver: ${(error as Error).message}`);
    }
    if (!verified.ok) this.rejected.push(`verifyWebhook: ${verified.message}`);
    if (req.headers["content-type"] !== "application/webhook+json") {
      this.rejected.push(`content-type ${req.headers["content-type"]}`);
    }
    if (!verified.ok) return void res.writeHead(401).end();
    if (req.url === "/flaky" && this.flakyFailures < FLAKY_FAILURES) {
      this.flakyFailures++;
      this.refusedIds.push(verified.event.id);
      return void res.writeHead(503).end("not yet");
    }
    const received = { event: verified.event, livekitEvent };
    if (req.url === "/ok") this.ok.push(received);
    if (req.url === "/flaky") this.flaky.push(received);
    res.writeHead(200).end();
  }

  release(): void {
    this.hanging = false;
    for (const res of this.held) res.writeHead(200).end();
  }

  async close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const receivers = new Receivers();
let node: TestMediaNode;
let edge: Edge;
let wsUrl: string;
const clients: RoomClient[] = [];

beforeAll(async () => {
  const base = await receivers.listen();
  const mediaSecret = randomBytes(24).toString("hex");
  node = await startTestMediaNode("media-webhooks", mediaSecret);
  edge = await startEdge(
    "webhooks",
    {
      API_KEYS: `${API_KEY}:${API_SECRET}`,
      WEBHOOK_URLS: `${base}/ok,${base}/flaky,${base}/hang`,
      MEDIA_NODE_SECRET: mediaSecret,
      MEDIA_NODES: node.url,
    },
    { privateAssets: true },
  );
  wsUrl = edge.url.replace(/^http/, "ws");
});
afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all([edge?.stop(), node?.stop()]);
  await receivers.close();
});

const freshRoom = (label: string) => `hooks-${label}-${randomBytes(3).toString("hex")}`;

/** Opens a socket and joins with a join token (required once API_KEYS is enforced, ignored before). */
async function join(roomId: string, username: string): Promise<RoomClient> {
  const client = await RoomClient.open(wsUrl, roomId, username);
  clients.push(client);
  const token = await createJoinToken({ apiKey: API_KEY, apiSecret: API_SECRET, room: roomId, identity: username });
  await client.expect("join-room", { roomId, username, token }, "joined");
  return client;
}

const ofRoom = (received: Received[], roomId: string) => received.filter((r) => r.event.room?.name === roomId);
const names = (received: Received[]) => received.map((r) => r.event.event).sort();

const ROOM_LIFE = [
  "participant_joined",
  "participant_joined",
  "participant_left",
  "participant_left",
  "room_finished",
  "room_started",
  "track_published",
  "track_unpublished",
];

describe("webhooks", () => {
  const roomId = freshRoom("life");

  it("posts a room's life, its tracks included, signed so both verifiers accept them", async () => {
    const alice = await join(roomId, "alice");
    const bob = await join(roomId, "bob");
    const transport = await connectedTransport(alice, "send");
    const { id: producerId } = await produce(alice, transport.id, "audio");
    // One leaves by leave-room, the other by closing its socket.
    alice.send("leave-room", { roomId, username: "alice" });
    await bob.waitFor("user-left", (data) => data.user === "alice");
    bob.close();
    const events = await waitFor(
      "the whole room's life at /ok",
      () => ofRoom(receivers.ok, roomId).length >= ROOM_LIFE.length && ofRoom(receivers.ok, roomId),
    );
    expect(receivers.rejected).toEqual([]);
    expect(names(events)).toEqual(ROOM_LIFE);
    for (const { event, livekitEvent } of events) expect(livekitEvent).toBe(event.event);
    // One room session, one sid; each participant's sid is the same when it joins and leaves.
    expect(new Set(events.map((r) => r.event.room?.sid)).size).toBe(1);
    expect(new Set(events.map((r) => r.event.id)).size).toBe(events.length);
    const sidsOf = (kind: string) =>
      new Map(
        events
          .filter((r) => r.event.event === kind)
          .map((r) => [r.event.participant?.identity, r.event.participant?.sid]),
      );
    expect(sidsOf("participant_joined")).toEqual(sidsOf("participant_left"));
    expect([...sidsOf("participant_joined").keys()].sort()).toEqual(["alice", "bob"]);
    const left = events.find((r) => r.event.event === "participant_left");
    expect(left?.event.participant?.state).toBe("DISCONNECTED");
    // alice's microphone, published and unpublished (when she left).
    for (const kind of ["track_published", "track_unpublished"]) {
      const track = events.find((r) => r.event.event === kind)?.event;
      expect(track?.participant?.identity).toBe("alice");
      expect(track?.track).toEqual({ sid: producerId, type: "AUDIO", source: "MICROPHONE", muted: false });
    }
  });

  it("retries a receiver that fails at first until it has every event", async () => {
    const events = await waitFor(
      "the whole room's life at /flaky",
      () => ofRoom(receivers.flaky, roomId).length >= ROOM_LIFE.length && ofRoom(receivers.flaky, roomId),
    );
    expect(receivers.flakyFailures).toBe(FLAKY_FAILURES);
    expect(names(events)).toEqual(ROOM_LIFE);
    // Every refused event came again (same id) and was delivered.
    const delivered = new Set(events.map((r) => r.event.id));
    for (const id of receivers.refusedIds) expect(delivered.has(id)).toBe(true);
    expect(receivers.rejected).toEqual([]);
  });

  it("a receiver that hangs does not slow the room", async () => {
    receivers.hanging = true;
    const slowRoom = freshRoom("hang");
    // carol's join makes the room post to /hang, which holds the request open.
    const carol = await join(slowRoom, "carol");
    const held = await waitFor("a held request at /hang", () => [...receivers.held][0], 30_000, 20);
    // While that request is still open, others join and chat as usual.
    const dave = await join(slowRoom, "dave");
    await dave.sync();
    await carol.sync();
    expect(receivers.held.has(held)).toBe(true);
    // The other receivers are not held up either.
    await waitFor("dave's participant_joined at /ok", () =>
      ofRoom(receivers.ok, slowRoom).some((r) => r.event.participant?.identity === "dave"),
    );
    expect(receivers.held.has(held)).toBe(true);
    receivers.release();
  });
});
