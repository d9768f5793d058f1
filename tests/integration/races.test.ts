// Interleavings that real networks produce by chance, made to happen every time: a gate between
// the edge and the media node holds the edge's call while the test sends what arrives meanwhile.
// Each case failed on the edge before membership changes were serialized (see
// edge/src/room/signaling.ts); `HUDDLE_RACE_RUNS` repeats each case.
import { randomBytes } from "node:crypto";
import { mediaPaths, type ServerMessage } from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { vp8RtpParameters } from "../media/helpers.ts";
import { type Edge, startEdge } from "../support/edge.ts";
import { startTestMediaNode, type TestMediaNode } from "../support/media-nodes.ts";
import { RoomClient } from "../support/room-client.ts";
import { type Gate, startGate } from "./support/gate.ts";
import { connectedTransport } from "./support/sfu.ts";

const RUNS = Number(process.env.HUDDLE_RACE_RUNS ?? "3");

let node: TestMediaNode;
let gate: Gate;
let edge: Edge;
let wsUrl: string;
const clients: RoomClient[] = [];
let roomCount = 0;

beforeAll(async () => {
  const secret = randomBytes(24).toString("hex");
  node = await startTestMediaNode("media-races", secret);
  gate = await startGate(node.url);
  // No periodic probe during a case: its reconciliation would hide a ghost producer after a while.
  edge = await startEdge(
    "races",
    { MEDIA_NODE_SECRET: secret, MEDIA_NODES: gate.url, MEDIA_CHECK_INTERVAL_MS: "600000" },
    { privateAssets: true },
  );
  wsUrl = edge.url.replace(/^http/, "ws");
});
afterAll(async () => {
  for (const client of clients) client.close();
  await gate?.close();
  await Promise.all([edge?.stop(), node?.stop()]);
});

const freshRoom = (label: string) => `race-${label}-${++roomCount}-${randomBytes(3).toString("hex")}`;

async function open(roomId: string, username: string): Promise<RoomClient> {
  const client = await RoomClient.open(wsUrl, roomId, username);
  clients.push(client);
  return client;
}

async function join(roomId: string, username: string) {
  const joined = await RoomClient.join(wsUrl, roomId, username);
  clients.push(joined.client);
  return joined;
}

/** The room as `client` sees it: `joined.users`, then every user-joined and user-left after it. */
function viewOf(client: RoomClient): Set<string> {
  const view = new Set<string>();
  let joined = false;
  for (const message of client.received as ServerMessage[]) {
    if (message.type === "joined") {
      joined = true;
      view.clear();
      for (const user of message.data.users) view.add(user);
    } else if (joined && message.type === "user-joined") view.add(message.data.user);
    else if (joined && message.type === "user-left") view.delete(message.data.user);
  }
  return view;
}

/** Who the edge says is in the room: a newcomer's `joined.users`, without the newcomer. */
async function serverView(roomId: string): Promise<Set<string>> {
  const { client, joined } = await join(roomId, `probe-${randomBytes(3).toString("hex")}`);
  client.close();
  return new Set(joined.users.filter((user) => user !== client.username));
}

/** A frame the room answers at once (an unknown type): once its error is back, the room has read everything before it. */
async function readUpTo(client: RoomClient): Promise<void> {
  const reply = await client.request("no-such-type" as "leave-room", {} as never);
  expect(reply.type).toBe("error");
}

describe("races between membership changes and the media node", () => {
  it.each(Array.from({ length: RUNS }, (_, i) => i + 1))(
    "no ghost: a joiner whose socket drops while the room is being released is never announced (run %i)",
    async () => {
      const roomId = freshRoom("ghost");
      const { client: last } = await join(roomId, "carol");
      // The last member leaves: the edge frees the room's router on the node; hold that call.
      gate.hold((r) => r.method === "DELETE" && r.path === mediaPaths.room(roomId));
      last.send("leave-room", { roomId, username: "carol" });
      await gate.held(1);
      const bob = await open(roomId, "bob");
      bob.send("join-room", { roomId, username: "bob" });
      const alice = await open(roomId, "alice");
      alice.send("join-room", { roomId, username: "alice" });
      await readUpTo(bob);
      await readUpTo(alice);
      alice.close();
      gate.release();
      await bob.waitFor("joined");
      await bob.sync();
      expect(viewOf(bob)).toEqual(new Set(["bob"]));
      const seen = viewOf(bob); // before the probe below joins (bob then sees it arrive)
      expect(await serverView(roomId)).toEqual(seen);
      // alice was never seen, so nobody is told she left either.
      expect(bob.all("user-left")).toEqual([]);
      bob.close();
    },
  );

  it.each(Array.from({ length: RUNS }, (_, i) => i + 1))(
    "resume take-over is atomic: a socket without the secret never gets the name meanwhile (run %i)",
    async () => {
      const roomId = freshRoom("resume");
      const { joined: first } = await join(roomId, "alice");
      const { client: bob } = await join(roomId, "bob");
      // The take-over keeps the membership's node peer (nothing is awaited on the node); a join
      // without the secret sent right behind it still finds the name taken.
      const resumer = await open(roomId, "alice");
      const thief = await open(roomId, "alice");
      const resumed = resumer.request("join-room", { roomId, username: "alice", resume: first.resume ?? "" });
      const stolen = thief.request("join-room", { roomId, username: "alice" });
      const [resumerReply, thiefReply] = await Promise.all([resumed, stolen]);
      expect(resumerReply).toMatchObject({ type: "joined", data: { resumed: true } });
      expect(thiefReply).toMatchObject({ type: "error", data: { code: "username-taken" } });
      // Exactly one socket speaks as alice: the resumer.
      const said = await resumer.expect(
        "chat-message",
        { from: "alice", text: "back", timestamp: new Date().toISOString() },
        "chat-message",
      );
      expect(said.from).toBe("alice");
      expect(
        await thief.expectError("chat-message", { from: "alice", text: "me?", timestamp: new Date().toISOString() }),
      ).toBe("not-joined");
      await bob.sync();
      expect(viewOf(bob)).toEqual(new Set(["alice", "bob"]));
      const seen = viewOf(bob); // before the probe below joins (bob then sees it arrive)
      expect(await serverView(roomId)).toEqual(seen);
      for (const client of [bob, resumer, thief]) client.close();
    },
  );

  it.each(Array.from({ length: RUNS }, (_, i) => i + 1))(
    "no ghost producer: a produce answered after its sender left is never announced (run %i)",
    async () => {
      const roomId = freshRoom("producer");
      const { client: alice } = await join(roomId, "alice");
      const { client: bob } = await join(roomId, "bob");
      const send = await connectedTransport(alice, "send");
      gate.hold((r) => r.method === "POST" && r.path.endsWith("/produce"));
      alice.send("produce", { transportId: send.id, kind: "video", rtpParameters: vp8RtpParameters(4242) });
      await gate.held(1);
      alice.close();
      await bob.waitFor("user-left", (d) => d.user === "alice");
      gate.release();
      await bob.sync();
      const announced = bob.all("new-producer").map((p) => p.producerId);
      const closed = new Set(bob.all("producer-closed").map((p) => p.producerId));
      expect(announced.filter((id) => !closed.has(id))).toEqual([]);
      // And a newcomer is not offered it either.
      const { client: carol, joined } = await join(roomId, "carol");
      expect(joined.sfu?.producers).toEqual([]);
      for (const client of [bob, carol]) client.close();
    },
  );
});
