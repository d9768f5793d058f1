// Receiver-driven layers and dynacast through the real edge (`wrangler dev`) and a real media
// node: `set-consumer-layers` and `pause-consumer` reach the node (its own view of the consumer),
// only for one's own consumers, and the publisher hears `producer-layers` when what anyone
// receives of its simulcast producer changes.
import { LAYER_RATE_BURST, type RoomState } from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RoomClient } from "../support/room-client.ts";
import { waitFor } from "../support/wait.ts";
import { type Cluster, type NodeProcess, roomOnNode, startCluster } from "./support/cluster.ts";
import { connectedTransport, consume, produce, simulcastVp8 } from "./support/sfu.ts";

let cluster: Cluster;
let node: NodeProcess;
const clients: RoomClient[] = [];

beforeAll(async () => {
  cluster = await startCluster("layers", { nodes: 1, mode: "static" });
  node = cluster.nodes[0] as NodeProcess;
});
afterAll(async () => {
  for (const client of clients) client.close();
  await cluster?.stop();
});

async function join(roomId: string, username: string) {
  const joined = await RoomClient.join(cluster.wsUrl, roomId, username);
  clients.push(joined.client);
  const caps = joined.joined.sfu?.rtpCapabilities;
  if (caps === undefined) throw new Error(`joined carries no sfu: ${JSON.stringify(joined.joined)}`);
  return { client: joined.client, caps };
}

let nextSsrc = 50_000;

/** The node's view of one consumer. */
function consumerOnNode(state: RoomState, consumerId: string) {
  for (const peer of state.peers) {
    const found = peer.consumers.find((c) => c.id === consumerId);
    if (found !== undefined) return found;
  }
  throw new Error(`consumer ${consumerId} is not on the node`);
}

/** A publisher with a three-layer camera, and two receivers of it. */
async function callWithCamera(roomId: string) {
  const { client: alice, caps } = await join(roomId, "alice");
  const { client: bob } = await join(roomId, "bob");
  const { client: carol } = await join(roomId, "carol");
  const send = await connectedTransport(alice, "send");
  nextSsrc += 10;
  const camera = await alice.expect(
    "produce",
    {
      transportId: send.id,
      kind: "video",
      rtpParameters: simulcastVp8(nextSsrc),
      appData: { source: "camera" },
    },
    "produced",
  );
  const microphone = await produce(alice, send.id, "audio");
  const bobRecv = await connectedTransport(bob, "recv");
  const carolRecv = await connectedTransport(carol, "recv");
  const bobVideo = await consume(bob, bobRecv.id, camera.id, caps);
  const bobAudio = await consume(bob, bobRecv.id, microphone.id, caps);
  const carolVideo = await consume(carol, carolRecv.id, camera.id, caps);
  for (const [client, id] of [
    [bob, bobVideo.id],
    [bob, bobAudio.id],
    [carol, carolVideo.id],
  ] as const) {
    await client.expect("resume-consumer", { consumerId: id }, "consumer-resumed");
  }
  return { alice, bob, carol, camera, bobVideo, bobAudio, carolVideo };
}

/** The `producer-layers` alice got for `producerId`, in order. */
const toldLayers = (client: RoomClient, producerId: string) =>
  client
    .all("producer-layers")
    .filter((d) => d.producerId === producerId)
    .map((d) => d.maxSpatialLayer);

describe("receiver-driven layers", () => {
  it("set-consumer-layers and pause-consumer reach the node for one's own consumers", async () => {
    const roomId = "layers-flow";
    const { bob, bobVideo, carolVideo } = await callWithCamera(roomId);
    let state = await roomOnNode(node, roomId);
    // mediasoup's default: the top layer, priority 1.
    expect(consumerOnNode(state, bobVideo.id)).toMatchObject({
      paused: false,
      preferredLayers: { spatialLayer: 2 },
      priority: 1,
    });

    const set = await bob.expect(
      "set-consumer-layers",
      { consumerId: bobVideo.id, spatialLayer: 0, priority: 7 },
      "consumer-layers-set",
    );
    expect(set).toMatchObject({ consumerId: bobVideo.id, spatialLayer: 0 });
    state = await roomOnNode(node, roomId);
    expect(consumerOnNode(state, bobVideo.id)).toMatchObject({ preferredLayers: { spatialLayer: 0 }, priority: 7 });
    // carol's consumer of the same producer is untouched.
    expect(consumerOnNode(state, carolVideo.id)).toMatchObject({ preferredLayers: { spatialLayer: 2 }, priority: 1 });

    // A layer above what the producer has is the nearest one it has.
    const clamped = await bob.expect(
      "set-consumer-layers",
      { consumerId: bobVideo.id, spatialLayer: 3 },
      "consumer-layers-set",
    );
    expect(clamped.spatialLayer).toBe(2);

    expect(await bob.expect("pause-consumer", { consumerId: bobVideo.id }, "consumer-paused")).toEqual({
      consumerId: bobVideo.id,
    });
    expect(consumerOnNode(await roomOnNode(node, roomId), bobVideo.id).paused).toBe(true);
    await bob.expect("resume-consumer", { consumerId: bobVideo.id }, "consumer-resumed");
    expect(consumerOnNode(await roomOnNode(node, roomId), bobVideo.id).paused).toBe(false);
  });

  it("refuses someone else's consumer, an audio consumer and out-of-range layers, changing nothing", async () => {
    const roomId = "layers-refused";
    const { alice, bob, carol, bobVideo, bobAudio, carolVideo } = await callWithCamera(roomId);
    const before = await roomOnNode(node, roomId);
    const attempts: Array<[string, Promise<string>]> = [
      [
        "carol sets bob's layers",
        carol.expectError("set-consumer-layers", { consumerId: bobVideo.id, spatialLayer: 0 }),
      ],
      ["carol pauses bob's consumer", carol.expectError("pause-consumer", { consumerId: bobVideo.id })],
      ["alice pauses carol's consumer", alice.expectError("pause-consumer", { consumerId: carolVideo.id })],
      ["an unknown consumer", bob.expectError("set-consumer-layers", { consumerId: "no-such", spatialLayer: 1 })],
      ["layers of audio", bob.expectError("set-consumer-layers", { consumerId: bobAudio.id, spatialLayer: 0 })],
      [
        "spatial layer 4",
        bob.expectError("set-consumer-layers", { consumerId: bobVideo.id, spatialLayer: 4 } as never),
      ],
      [
        "temporal layer -1",
        bob.expectError("set-consumer-layers", {
          consumerId: bobVideo.id,
          spatialLayer: 0,
          temporalLayer: -1,
        } as never),
      ],
      [
        "priority 0",
        bob.expectError("set-consumer-layers", { consumerId: bobVideo.id, spatialLayer: 0, priority: 0 } as never),
      ],
    ];
    const codes = Object.fromEntries(
      await Promise.all(attempts.map(async ([what, code]) => [what, await code] as const)),
    );
    expect(codes).toEqual({
      "carol sets bob's layers": "not-found",
      "carol pauses bob's consumer": "not-found",
      "alice pauses carol's consumer": "not-found",
      "an unknown consumer": "not-found",
      "layers of audio": "invalid-message",
      "spatial layer 4": "invalid-message",
      "temporal layer -1": "invalid-message",
      "priority 0": "invalid-message",
    });
    const after = await roomOnNode(node, roomId);
    expect(after.peers.map((peer) => peer.consumers)).toEqual(before.peers.map((peer) => peer.consumers));
    // Nothing anyone was refused changed what alice is told to send.
    await new Promise((resolve) => setTimeout(resolve, 600));
    await alice.sync();
    expect(alice.all("producer-layers")).toEqual([]);
  });

  it("rate-limits a flood of layer changes on its own bucket, and keeps the socket", async () => {
    const roomId = "layers-flood";
    const { bob, bobVideo } = await callWithCamera(roomId);
    // Requests the edge answers itself (a consumer nobody has: not-found, no node call), so the
    // flood arrives faster than the bucket refills; each still takes a token.
    const flood = LAYER_RATE_BURST + 40;
    const answers = await Promise.all(
      Array.from({ length: flood }, (_, i) =>
        i % 2 === 0
          ? bob.request("pause-consumer", { consumerId: `no-such-${i}` })
          : bob.request("set-consumer-layers", { consumerId: `no-such-${i}`, spatialLayer: 0 }),
      ),
    );
    const codes = answers.map((a) => (a.type === "error" ? a.data.code : a.type));
    const limited = codes.filter((code) => code === "rate-limited").length;
    const answered = codes.filter((code) => code === "not-found").length;
    expect(limited).toBeGreaterThan(0);
    expect(answered).toBeGreaterThanOrEqual(LAYER_RATE_BURST - 1);
    expect(answered + limited).toBe(flood);
    const refused = answers.find((a) => a.type === "error" && a.data.code === "rate-limited");
    expect(refused?.type === "error" && refused.data.message).toMatch(/too many layer changes/);
    // The consumer itself was not touched by any of it.
    const state = await roomOnNode(node, roomId);
    expect(consumerOnNode(state, bobVideo.id)).toMatchObject({ paused: false, preferredLayers: { spatialLayer: 2 } });
    // Other messages still go through: the socket's own bucket is not the layer one.
    await bob.sync();
  });
});

describe("dynacast", () => {
  it("tells the publisher the highest layer anyone receives, when it changes, never below 0", async () => {
    const roomId = "layers-dynacast";
    const { alice, bob, carol, camera, bobVideo, carolVideo } = await callWithCamera(roomId);
    const settle = () => new Promise((resolve) => setTimeout(resolve, 600));
    const told = async (expected: number[]) =>
      waitFor(`alice to be told ${expected.join(", ")}`, async () => {
        const got = toldLayers(alice, camera.id);
        return got.length >= expected.length ? got : undefined;
      });

    // Both receive the top layer (nothing said yet): alice is not told anything.
    await settle();
    expect(toldLayers(alice, camera.id)).toEqual([]);

    // bob wants 1, carol still the top: nothing to stop yet.
    await bob.expect("set-consumer-layers", { consumerId: bobVideo.id, spatialLayer: 1 }, "consumer-layers-set");
    await settle();
    expect(toldLayers(alice, camera.id)).toEqual([]);

    // carol wants 0: nobody wants the top layer any more.
    await carol.expect("set-consumer-layers", { consumerId: carolVideo.id, spatialLayer: 0 }, "consumer-layers-set");
    expect(await told([1])).toEqual([1]);

    // bob pauses (his tile is off screen): the most anyone wants is 0.
    await bob.expect("pause-consumer", { consumerId: bobVideo.id }, "consumer-paused");
    expect(await told([1, 0])).toEqual([1, 0]);

    // carol pauses too: nobody receives it, the lowest layer stays on (no new message).
    await carol.expect("pause-consumer", { consumerId: carolVideo.id }, "consumer-paused");
    await settle();
    expect(toldLayers(alice, camera.id)).toEqual([1, 0]);

    // carol pins alice: the top layer again.
    await carol.expect("set-consumer-layers", { consumerId: carolVideo.id, spatialLayer: 2 }, "consumer-layers-set");
    await carol.expect("resume-consumer", { consumerId: carolVideo.id }, "consumer-resumed");
    expect(await told([1, 0, 2])).toEqual([1, 0, 2]);

    // carol leaves: bob's paused consumer is all that is left, so back to the lowest.
    carol.close();
    expect(await told([1, 0, 2, 0])).toEqual([1, 0, 2, 0]);
    // Nobody else hears of alice's layers.
    await bob.sync();
    expect(bob.all("producer-layers")).toEqual([]);
  });
});
