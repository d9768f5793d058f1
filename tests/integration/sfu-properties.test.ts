// Property: a room served by a real media node (wrangler dev + node process) stays consistent under
// random interleavings of joins, leaves, drops, chat and the whole SFU sequence from several
// clients. Actions are sent without waiting for answers. After each sequence: every member's view
// of the room and of its producers equals the edge's, the edge's producers equal the node's, no
// producer of someone who left survives, nobody got `internal`. On failure fast-check prints the
// seed and the shrunk sequence: HUDDLE_FUZZ_SEED / HUDDLE_FUZZ_PATH replay it,
// HUDDLE_FUZZ_RUNS sets the number of sequences.
import { randomBytes } from "node:crypto";
import { mediaPaths, RoomState, type ServerMessage } from "@huddle/protocol";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiClient,
  apiClient,
  CLIENT_DTLS_PARAMETERS,
  opusRtpParameters,
  vp8RtpParameters,
} from "../media/helpers.ts";
import { type Edge, startEdge } from "../support/edge.ts";
import { startTestMediaNode, type TestMediaNode } from "../support/media-nodes.ts";
import { RoomClient } from "../support/room-client.ts";

const SLOTS = 4;
const NAMES = ["alice", "Alice", "bob", "carol"] as const;

type Action =
  | { kind: "connect"; slot: number }
  | { kind: "join"; slot: number; name: number }
  | { kind: "leave"; slot: number }
  | { kind: "drop"; slot: number }
  | { kind: "chat"; slot: number }
  | { kind: "transport"; slot: number; direction: "send" | "recv" }
  | { kind: "produce"; slot: number; video: boolean }
  | { kind: "consume"; slot: number; pick: number }
  | { kind: "producer"; slot: number; op: "close-producer" | "pause-producer" | "resume-producer"; pick: number };

const slot = fc.nat({ max: SLOTS - 1 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("connect" as const), slot }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("join" as const), slot, name: fc.nat({ max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("leave" as const), slot }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("drop" as const), slot }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("chat" as const), slot }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("transport" as const), slot, direction: fc.constantFrom("send", "recv") }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("produce" as const), slot, video: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("consume" as const), slot, pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("producer" as const),
      slot,
      op: fc.constantFrom("close-producer", "pause-producer", "resume-producer"),
      pick: fc.nat(),
    }),
  },
);

let node: TestMediaNode;
let api: ApiClient;
let edge: Edge;
let wsUrl: string;
let ssrc = 50_000;

beforeAll(async () => {
  const secret = randomBytes(24).toString("hex");
  node = await startTestMediaNode("media-sfu-properties", secret);
  api = apiClient(node.url, secret);
  edge = await startEdge(
    "sfu-properties",
    // No periodic probe: its reconciliation would repair, and so hide, what the invariants look for.
    { MEDIA_NODE_SECRET: secret, MEDIA_NODES: node.url, MEDIA_CHECK_INTERVAL_MS: "600000" },
    { privateAssets: true },
  );
  wsUrl = edge.url.replace(/^http/, "ws");
});
afterAll(async () => {
  await Promise.all([edge?.stop(), node?.stop()]);
});

interface Seat {
  client: RoomClient;
  /** Membership requests in the order sent: the room handles one socket's frames in order. */
  ops: { op: "join" | "leave"; requestId: string }[];
  dropped: boolean;
  next: number;
}

const ids = <T>(values: Iterable<T>, key: (value: T) => string) => [...values].map(key).sort();

/** The latest id from replies of `type` in a seat's inbox (transport of a direction, a producer). */
function known(seat: Seat, pick: (m: ServerMessage) => string | undefined): string[] {
  return seat.client.received.flatMap((m) => {
    const id = pick(m);
    return id === undefined ? [] : [id];
  });
}

async function runScenario(actions: Action[]): Promise<void> {
  const roomId = `prop-${randomBytes(4).toString("hex")}`;
  const seats: (Seat | undefined)[] = new Array(SLOTS).fill(undefined);
  const everyone: Seat[] = [];
  const gone = (seat: Seat) => seat.dropped || seat.client.closed;
  try {
    for (const step of actions) {
      let seat = seats[step.slot];
      if (step.kind === "connect") {
        if (seat !== undefined && !gone(seat)) continue;
        seat = { client: await RoomClient.open(wsUrl, roomId, `slot${step.slot}`), ops: [], dropped: false, next: 0 };
        seats[step.slot] = seat;
        everyone.push(seat);
        continue;
      }
      if (seat === undefined || gone(seat)) continue;
      const { client } = seat;
      const rid = (label: string) => `${label}-${everyone.indexOf(seat)}-${seat.next++}`;
      const transport = (direction: "send" | "recv") =>
        known(seat, (m) =>
          m.type === "webRtcTransportCreated" && m.data.direction === direction ? m.data.id : undefined,
        ).at(-1) ?? "no-transport";
      switch (step.kind) {
        case "join": {
          const requestId = rid("join");
          seat.ops.push({ op: "join", requestId });
          client.send("join-room", { roomId, username: NAMES[step.name] as string }, requestId);
          break;
        }
        case "leave": {
          const requestId = rid("leave");
          seat.ops.push({ op: "leave", requestId });
          const name = seat.client.all("joined").at(-1)?.users.at(-1) ?? "nobody";
          client.send("leave-room", { roomId, username: name }, requestId);
          break;
        }
        case "drop":
          seat.dropped = true;
          client.close();
          break;
        case "chat":
          client.send(
            "chat-message",
            { from: "x", text: `${everyone.indexOf(seat)}`, timestamp: new Date().toISOString() },
            rid("chat"),
          );
          break;
        case "transport": {
          const requestId = rid("transport");
          client.send("create-transport", { direction: step.direction }, requestId);
          // Connect it as soon as it exists (not awaited: other actions go on meanwhile).
          void client
            .waitFor("webRtcTransportCreated", (d) => d.direction === step.direction, 20_000)
            .then((created) =>
              client.send(
                "connect-transport",
                { transportId: created.id, dtlsParameters: CLIENT_DTLS_PARAMETERS },
                rid("connect"),
              ),
            )
            .catch(() => undefined);
          break;
        }
        case "produce":
          client.send(
            "produce",
            {
              transportId: transport("send"),
              kind: step.video ? "video" : "audio",
              rtpParameters: step.video ? vp8RtpParameters(ssrc++) : opusRtpParameters(ssrc++),
              appData: { source: step.video ? "camera" : "microphone" },
            },
            rid("produce"),
          );
          break;
        case "consume": {
          const offered = producerView(seat.client.received);
          const producerId = [...offered][step.pick % Math.max(1, offered.size)] ?? "no-producer";
          const caps = seat.client.all("joined").at(-1)?.sfu?.rtpCapabilities ?? { codecs: [] };
          client.send("consume", { transportId: transport("recv"), producerId, rtpCapabilities: caps }, rid("consume"));
          break;
        }
        case "producer": {
          const mine = known(seat, (m) => (m.type === "produced" ? m.data.id : undefined));
          const producerId = mine[step.pick % Math.max(1, mine.length)] ?? "no-producer";
          client.send(step.op, { producerId }, rid(step.op));
          break;
        }
      }
    }

    // Settle: every join is answered (a join may wait for the media node while later frames of the
    // same socket are answered at once), then a marker round trip after each socket's last frame.
    for (const seat of everyone) {
      for (const { op, requestId } of seat.ops) {
        if (op === "join") await answered(seat, requestId);
      }
    }
    for (const seat of everyone) if (!gone(seat)) await seat.client.sync().catch(() => undefined);
    for (const seat of everyone) if (!gone(seat)) await seat.client.sync().catch(() => undefined);

    // What each seat saw before the probe below joined (its arrival is not part of the scenario).
    const seen = new Map(everyone.map((seat) => [seat, seat.client.received.slice()]));
    const probe = await RoomClient.join(wsUrl, roomId, `probe-${randomBytes(2).toString("hex")}`);
    probe.client.close();
    const users = probe.joined.users.filter((u) => u !== probe.client.username).sort();
    const edgeProducers = probe.joined.sfu?.producers ?? [];
    // No producer of someone who is not in the room.
    for (const p of edgeProducers) expect(users.map((u) => u.toLowerCase())).toContain(p.user.toLowerCase());
    // The node holds exactly the producers the edge offers.
    const state = await api.call<unknown>("GET", mediaPaths.room(roomId));
    const nodeProducers = state.status === 200 ? RoomState.parse(state.body).producers : [];
    expect(ids(nodeProducers, (p) => p.producerId)).toEqual(ids(edgeProducers, (p) => p.producerId));

    for (const [index, seat] of everyone.entries()) {
      const received = seen.get(seat) ?? [];
      const { unparsable } = seat.client;
      const where = `client ${index}; ops ${JSON.stringify(seat.ops)}; inbox:\n${received.map((m) => JSON.stringify(m)).join("\n")}`;
      expect(unparsable, where).toEqual([]);
      expect(
        received.filter((m) => m.type === "error" && m.data.code === "internal"),
        where,
      ).toEqual([]);
      if (gone(seat) || !isMember(seat)) continue;
      expect([...roomView(received, where)].sort(), where).toEqual(users);
      expect([...producerView(received)].sort(), where).toEqual(ids(edgeProducers, (p) => p.producerId));
    }
  } finally {
    for (const seat of everyone) seat.client.close();
  }
}

/** Resolves once the room answered `requestId` on this seat, or the socket is gone (bounded). */
async function answered(seat: Seat, requestId: string): Promise<void> {
  for (let look = 0; look < 400; look++) {
    if (seat.dropped || seat.client.closed || seat.client.received.some((m) => m.requestId === requestId)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no answer to ${requestId} within 10 s`);
}

/** Whether the seat ends as a member: its joins and leaves replayed against the room's answers. */
function isMember(seat: Seat): boolean {
  let member = false;
  for (const { op, requestId } of seat.ops) {
    const answer = seat.client.received.find((m) => m.requestId === requestId);
    if (op === "join" && answer?.type === "joined") member = true;
    // A leave is answered only when refused.
    if (op === "leave" && member && answer === undefined) member = false;
  }
  return member;
}

/** Who is in the room according to the seat, since its last `joined`; user-joined/left each exactly once. */
function roomView(received: ServerMessage[], where: string): Set<string> {
  let users = new Set<string>();
  for (const m of received) {
    if (m.type === "joined") users = new Set(m.data.users);
    else if (m.type === "user-joined") {
      expect(users.has(m.data.user), `user-joined twice for ${m.data.user}: ${where}`).toBe(false);
      users.add(m.data.user);
    } else if (m.type === "user-left") {
      expect(users.has(m.data.user), `user-left for absent ${m.data.user}: ${where}`).toBe(true);
      users.delete(m.data.user);
    }
  }
  return users;
}

/** The producers the seat knows of, since its last `joined`: offered, announced, its own, minus closed. */
function producerView(received: ServerMessage[]): Set<string> {
  let producers = new Set<string>();
  for (const m of received) {
    if (m.type === "joined") producers = new Set((m.data.sfu?.producers ?? []).map((p) => p.producerId));
    else if (m.type === "media-reset") producers = new Set((m.data.sfu?.producers ?? []).map((p) => p.producerId));
    else if (m.type === "new-producer") producers.add(m.data.producerId);
    else if (m.type === "produced") producers.add(m.data.id);
    else if (m.type === "producer-closed") producers.delete(m.data.producerId);
  }
  return producers;
}

describe("an SFU room under random interleavings (fast-check, real media node)", () => {
  it("keeps the members' views, the edge and the node in agreement", { timeout: 900_000 }, async () => {
    const runs = Number(process.env.HUDDLE_FUZZ_RUNS ?? "12");
    const seed = process.env.HUDDLE_FUZZ_SEED;
    const path = process.env.HUDDLE_FUZZ_PATH;
    await fc.assert(fc.asyncProperty(fc.array(action, { minLength: 8, maxLength: 30 }), runScenario), {
      numRuns: runs,
      ...(seed === undefined ? {} : { seed: Number(seed) }),
      ...(path === undefined ? {} : { path }),
    });
  });
});
