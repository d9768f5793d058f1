// A slow media node is not a lost one: when one request's node call times out but the node still
// serves the room (its room probe answers), only that request fails (`internal`, try again) and
// nobody's media is reset. A node that is really gone still moves the room (node-loss.test.ts).
// A gate between the edge and the node holds the chosen call past MEDIA_NODE_TIMEOUT_MS.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { vp8RtpParameters } from "../media/helpers.ts";
import { type Edge, startEdge } from "../support/edge.ts";
import { startTestMediaNode, type TestMediaNode } from "../support/media-nodes.ts";
import { RoomClient } from "../support/room-client.ts";
import { type Gate, startGate } from "./support/gate.ts";
import { connectedTransport } from "./support/sfu.ts";

const TIMEOUT_MS = 2000;

let node: TestMediaNode;
let gate: Gate;
let edge: Edge;
let wsUrl: string;
const clients: RoomClient[] = [];

beforeAll(async () => {
  const secret = randomBytes(24).toString("hex");
  node = await startTestMediaNode("media-slow", secret);
  gate = await startGate(node.url);
  edge = await startEdge(
    "slow-node",
    {
      MEDIA_NODE_SECRET: secret,
      MEDIA_NODES: gate.url,
      MEDIA_NODE_TIMEOUT_MS: String(TIMEOUT_MS),
      MEDIA_CHECK_INTERVAL_MS: "600000",
    },
    { privateAssets: true },
  );
  wsUrl = edge.url.replace(/^http/, "ws");
});
afterAll(async () => {
  for (const client of clients) client.close();
  await gate?.close();
  await Promise.all([edge?.stop(), node?.stop()]);
});

async function join(roomId: string, username: string) {
  const joined = await RoomClient.join(wsUrl, roomId, username);
  clients.push(joined.client);
  return joined;
}

describe("a media node call that times out", () => {
  it("fails only that request when the node still serves the room, and the call goes on", async () => {
    const roomId = `slow-${randomBytes(3).toString("hex")}`;
    const { client: alice } = await join(roomId, "alice");
    const { client: bob } = await join(roomId, "bob");
    const send = await connectedTransport(alice, "send");

    gate.hold((r) => r.method === "POST" && r.path.endsWith("/produce"));
    const answer = alice.request("produce", {
      transportId: send.id,
      kind: "video",
      rtpParameters: vp8RtpParameters(5151),
    });
    await gate.held(1);
    const reply = await answer;
    expect(reply.type === "error" && reply.data).toMatchObject({ code: "internal" });
    expect(reply.type === "error" && reply.data.message).toMatch(/did not answer in time; nothing was reset/);
    gate.release();

    // Nobody's media was reset: the same transport produces, and bob hears of it.
    const produced = await alice.expect(
      "produce",
      { transportId: send.id, kind: "video", rtpParameters: vp8RtpParameters(5252) },
      "produced",
    );
    await bob.waitFor("new-producer", (d) => d.producerId === produced.id);
    await Promise.all([alice.sync(), bob.sync()]);
    expect(alice.all("media-reset")).toEqual([]);
    expect(bob.all("media-reset")).toEqual([]);
  });
});
