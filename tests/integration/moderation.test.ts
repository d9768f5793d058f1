// Moderation reaching the media node: a moderator's mute pauses the producer on the node, a
// revoked source closes it there, a revoked subscription pauses the consumers. Real edge
// (`wrangler dev` with API_KEYS), real media node.
import { randomBytes } from "node:crypto";
import { createJoinToken } from "@huddle/protocol/access";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { opusRtpParameters } from "../media/helpers.ts";
import { RoomClient } from "../support/room-client.ts";
import { waitFor } from "../support/wait.ts";
import { type Cluster, type NodeProcess, roomOnNode, startCluster } from "./support/cluster.ts";
import { connectedTransport, consume, produce } from "./support/sfu.ts";

const API_KEY = "integration";
const API_SECRET = randomBytes(24).toString("hex");

let cluster: Cluster;
let node: NodeProcess;
const clients: RoomClient[] = [];

beforeAll(async () => {
  cluster = await startCluster("moderation", {
    nodes: 1,
    mode: "static",
    vars: { API_KEYS: `${API_KEY}:${API_SECRET}` },
  });
  node = cluster.nodes[0] as NodeProcess;
});
afterAll(async () => {
  for (const client of clients) client.close();
  await cluster?.stop();
});

async function join(roomId: string, username: string, grant: { roomAdmin?: boolean } = {}) {
  const token = await createJoinToken({
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    identity: username,
    room: roomId,
    grant,
  });
  const joined = await RoomClient.join(cluster.wsUrl, roomId, username, token);
  clients.push(joined.client);
  return joined;
}

describe("moderation on the media node", () => {
  it("mute pauses the producer there; a revoked source closes it; a revoked subscription pauses consumers", async () => {
    const roomId = "moderated-sfu";
    const { client: mod } = await join(roomId, "mod", { roomAdmin: true });
    const { client: bob } = await join(roomId, "bob");
    const { client: carol, joined } = await join(roomId, "carol");
    const sfu = joined.sfu;
    if (sfu === undefined) throw new Error("the room has no media node");

    const send = await connectedTransport(bob, "send");
    const audio = await produce(bob, send.id, "audio");
    const video = await produce(bob, send.id, "video");
    const recv = await connectedTransport(carol, "recv");
    const consumer = await consume(carol, recv.id, audio.id, sfu.rtpCapabilities);
    await carol.expect("resume-consumer", { consumerId: consumer.id }, "consumer-resumed");

    // Mute: the node pauses bob's microphone; everyone, bob included, hears of it.
    const muted = await mod.expect("mute-participant", { user: "bob", source: "microphone" }, "participant-muted");
    expect(muted).toEqual({ user: "bob", source: "microphone", by: "mod" });
    for (const client of [bob, carol]) {
      await client.waitFor("producer-paused", (data) => data.producerId === audio.id);
      await client.waitFor("participant-muted", (data) => data.user === "bob");
    }
    const pausedOnNode = await roomOnNode(node, roomId);
    expect(pausedOnNode.producers.find((p) => p.producerId === audio.id)?.paused).toBe(true);
    expect(pausedOnNode.producers.find((p) => p.producerId === video.id)?.paused).toBe(false);
    // bob's grants still allow the microphone: he may unmute.
    await bob.expect("resume-producer", { producerId: audio.id }, "producer-resumed");

    // Revoke the microphone: the node closes that producer, the camera stays.
    await mod.expect(
      "update-participant",
      { user: "bob", permissions: { canPublishSources: ["camera"] } },
      "participant-updated",
    );
    await carol.waitFor("producer-closed", (data) => data.producerId === audio.id);
    await waitFor(
      "bob's audio producer closed on the node",
      async () => {
        const state = await roomOnNode(node, roomId);
        return (
          !state.producers.some((p) => p.producerId === audio.id) &&
          state.producers.some((p) => p.producerId === video.id)
        );
      },
      10_000,
    );
    expect(await bob.expectError("resume-producer", { producerId: audio.id })).toBe("not-found");
    const again = await bob.request("produce", {
      transportId: send.id,
      kind: "audio",
      rtpParameters: opusRtpParameters(77_001),
      appData: { source: "microphone" },
    });
    expect(again).toMatchObject({ type: "error", data: { code: "unauthorized" } });

    // Revoke carol's subscription: her consumers are paused on the node, and she cannot resume them.
    const videoConsumer = await consume(carol, recv.id, video.id, sfu.rtpCapabilities);
    await carol.expect("resume-consumer", { consumerId: videoConsumer.id }, "consumer-resumed");
    await mod.expect(
      "update-participant",
      { user: "carol", permissions: { canSubscribe: false } },
      "participant-updated",
    );
    await waitFor(
      "carol's consumers paused on the node",
      async () => {
        const state = await roomOnNode(node, roomId);
        const consumers = state.peers.flatMap((peer) => peer.consumers);
        return consumers.length > 0 && consumers.every((c) => c.paused);
      },
      10_000,
    );
    expect(await carol.expectError("resume-consumer", { consumerId: videoConsumer.id })).toBe("unauthorized");
  });
});
