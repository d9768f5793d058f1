// restart-ice through the real edge (`wrangler dev`) and a real media node: the node restarts ICE on
// the sender's own transport and answers new ICE parameters; a transport the node already closed is
// `transport-closed`; a resumed membership keeps its node peer (its transports answer on the new socket).
import { mediaPaths as p, type RoomState } from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RoomClient } from "../support/room-client.ts";
import { type Cluster, type NodeProcess, roomOnNode, startCluster } from "./support/cluster.ts";
import { connectedTransport } from "./support/sfu.ts";

let cluster: Cluster;
let node: NodeProcess;
const clients: RoomClient[] = [];

beforeAll(async () => {
  cluster = await startCluster("restart-ice", { nodes: 1, mode: "static" });
  node = cluster.nodes[0] as NodeProcess;
});
afterAll(async () => {
  for (const client of clients) client.close();
  await cluster?.stop();
});

async function join(roomId: string, username: string, resume?: string) {
  const client = await RoomClient.open(cluster.wsUrl, roomId, username);
  clients.push(client);
  const data = { roomId, username, ...(resume === undefined ? {} : { resume }) };
  const joined = await client.expect("join-room", data, "joined");
  return { client, joined };
}

/** The node's peer that owns a transport (the node names peers by the edge's private membership id). */
function peerWith(state: RoomState, transportId: string) {
  return state.peers.find((peer) => peer.transports.some((t) => t.id === transportId));
}

describe("restart-ice", () => {
  it("reaches the node and answers new ICE parameters for one's own transport only", async () => {
    const roomId = "restart-ice-own";
    const { client: alice } = await join(roomId, "alice");
    const { client: bob } = await join(roomId, "bob");
    const send = await connectedTransport(alice, "send");
    const restarted = await alice.expect("restart-ice", { transportId: send.id }, "ice-restarted");
    expect(restarted.transportId).toBe(send.id);
    expect(restarted.iceParameters.usernameFragment).not.toBe(send.iceParameters.usernameFragment);
    expect(restarted.iceParameters.password).not.toBe(send.iceParameters.password);
    const again = await alice.expect("restart-ice", { transportId: send.id }, "ice-restarted");
    expect(again.iceParameters.usernameFragment).not.toBe(restarted.iceParameters.usernameFragment);
    // Someone else's transport, or no transport at all: not-found, and nothing reaches the node.
    expect(await bob.expectError("restart-ice", { transportId: send.id })).toBe("not-found");
    expect(await bob.expectError("restart-ice", { transportId: "no-such-transport" })).toBe("not-found");
    const state = await roomOnNode(node, roomId);
    expect(peerWith(state, send.id)?.transports).toEqual([expect.objectContaining({ id: send.id })]);
  });

  it("a transport the node already closed is transport-closed; the edge then forgets it", async () => {
    const roomId = "restart-ice-closed";
    const { client: alice } = await join(roomId, "alice");
    const recv = await connectedTransport(alice, "recv");
    const peer = peerWith(await roomOnNode(node, roomId), recv.id);
    if (peer === undefined) throw new Error("the node does not hold the transport");
    // The node closes it on its own (as after ICE stayed disconnected too long).
    await node.api.del(p.transport(roomId, peer.peerId, recv.id));
    expect(await alice.expectError("restart-ice", { transportId: recv.id })).toBe("transport-closed");
    expect(await alice.expectError("restart-ice", { transportId: recv.id })).toBe("not-found");
    // A new transport of that direction works as before.
    const fresh = await connectedTransport(alice, "recv");
    await alice.expect("restart-ice", { transportId: fresh.id }, "ice-restarted");
  });

  it("a resumed membership keeps its node peer: the new socket restarts ICE on the old transport", async () => {
    const roomId = "restart-ice-resume";
    const { client: stale, joined } = await join(roomId, "alice");
    const { client: bob } = await join(roomId, "bob");
    const send = await connectedTransport(stale, "send");
    const before = peerWith(await roomOnNode(node, roomId), send.id);
    const { client: fresh, joined: resumed } = await join(roomId, "alice", joined.resume);
    expect(resumed.resumed).toBe(true);
    await fresh.expect("restart-ice", { transportId: send.id }, "ice-restarted");
    const after = peerWith(await roomOnNode(node, roomId), send.id);
    expect(after?.peerId).toBe(before?.peerId);
    await bob.sync();
    expect(bob.all("user-left")).toEqual([]);
    expect(bob.all("user-joined")).toEqual([]);
  });
});
