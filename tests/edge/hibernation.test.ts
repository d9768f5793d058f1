import { evictDurableObject } from "cloudflare:test";
import type { ServerMessage } from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import { closeAll, evict, isError, isType, joinAll, roomStub, TestClient, uniqueRoom, untilSockets } from "./client.ts";

const left = (user: string) => (m: ServerMessage) => m.type === "user-left" && m.data.user === user;

describe("hibernation: the room survives eviction of its Durable Object", () => {
  it("keeps every socket's identity: relay, chat, joins, media state, leave and close still work", async () => {
    const roomId = uniqueRoom("evict");
    const [alice, bob, carol] = await joinAll(roomId, ["alice", "bob", "carol"]);
    if (!alice || !bob || !carol) throw new Error("join failed");
    alice.send({ type: "media-state", data: { microphone: false, camera: true, screen: false } });
    await bob.waitFor(isType("media-state"));
    for (const client of [alice, bob, carol]) await client.sync();
    for (const client of [alice, bob, carol]) client.inbox.length = 0;

    await evict(roomId);
    // A relay after the wake-up: the sender is still alice, the target still found by name.
    alice.send({ type: "webrtc-offer", data: { target: "bob", payload: { type: "offer", sdp: "v=0" } } });
    const [offer] = await bob.waitFor(isType("webrtc-offer"));
    expect(offer?.data).toMatchObject({ from: "alice", target: "bob" });
    bob.send({ type: "webrtc-answer", data: { target: "alice", payload: { type: "answer", sdp: "v=0" } } });
    const [answer] = await alice.waitFor(isType("webrtc-answer"));
    expect(answer?.data.from).toBe("bob");
    await carol.sync();
    expect(carol.inbox).toEqual([]);

    await evict(roomId);
    // Names are still held: a newcomer cannot take one; the user list keeps join order and media state.
    const dave = await TestClient.connect(roomId);
    dave.send({ type: "join-room", data: { roomId, username: "bob" } });
    await dave.waitFor(isError("username-taken"));
    const joined = await dave.joinAs("dave");
    expect(joined.data.users).toEqual(["alice", "bob", "carol", "dave"]);
    expect(joined.data.media).toEqual([{ user: "alice", microphone: false, camera: true, screen: false }]);
    // An already-joined socket is still known as joined.
    alice.send({ type: "join-room", data: { roomId, username: "alice" } });
    await alice.waitFor(isError("already-joined"));

    await evict(roomId);
    // leave-room after a wake-up: user-left once, to everyone else.
    bob.send({ type: "leave-room", data: { roomId, username: "bob" } });
    for (const client of [alice, carol, dave]) await client.waitFor(left("bob"));
    bob.chat("gone?");
    await bob.waitFor(isError("not-joined"));

    await evict(roomId);
    // A socket that closes while the room sleeps: user-left exactly once.
    await carol.close();
    for (const client of [alice, dave]) await client.waitFor(left("carol"));
    await untilSockets(roomId, 3); // alice, bob (unjoined), dave
    await evict(roomId);
    alice.chat("still here", "after");
    for (const client of [alice, dave]) await client.waitFor(isType("chat-message"));
    for (const client of [alice, bob, dave]) await client.sync();
    for (const client of [alice, dave]) {
      expect(client.count(left("bob"))).toBe(1);
      expect(client.count(left("carol"))).toBe(1);
      expect(client.received(isType("chat-message")).map((m) => m.data.from)).toEqual(["alice"]);
    }
    expect(bob.count(isType("chat-message"))).toBe(0); // not a member any more
    await closeAll([alice, bob, dave]);
  });

  it("broadcasts reach every member after a wake-up, with what each socket had before it", async () => {
    const roomId = uniqueRoom("evict-fan-out");
    const names = ["alice", "bob", "carol", "dave", "erin", "frank"];
    const clients = await joinAll(roomId, names);
    const [alice, bob, carol, dave] = clients;
    if (!alice || !bob || !carol || !dave) throw new Error("join failed");
    // State written on the sockets just before the room sleeps.
    alice.send({ type: "media-state", data: { microphone: false, camera: true, screen: false } });
    bob.send({ type: "raise-hand", data: {} });
    for (const client of clients) await client.sync();
    for (const client of clients) client.inbox.length = 0;

    await evict(roomId);
    // A chat after the wake-up: every member gets it once (the sender as its reply), from carol.
    carol.chat("after the wake-up");
    for (const client of clients) await client.waitFor(isType("chat-message"));
    // A change after the wake-up is broadcast too, and stays on the socket across the next one.
    dave.send({ type: "media-state", data: { microphone: true, camera: false, screen: true } });
    for (const client of clients.filter((c) => c !== dave)) await client.waitFor(isType("media-state"));
    for (const client of clients) await client.sync();
    for (const client of clients) {
      expect(client.received(isType("chat-message")).map((m) => [m.data.from, m.data.text])).toEqual([
        ["carol", "after the wake-up"],
      ]);
    }

    await evict(roomId);
    const { client: gina, joined } = await TestClient.join(roomId, "gina");
    expect(joined.data.users).toEqual([...names, "gina"]);
    expect(joined.data.media).toEqual([
      { user: "alice", microphone: false, camera: true, screen: false },
      { user: "dave", microphone: true, camera: false, screen: true },
    ]);
    expect(joined.data.hands?.map((hand) => hand.user)).toEqual(["bob"]);
    for (const client of clients) await client.waitFor(isType("user-joined"));
    await closeAll([...clients, gina]);
  });

  it("a socket closed while the object is evicted wakes it and is announced once", async () => {
    const roomId = uniqueRoom("evict-close");
    const [alice, bob] = await joinAll(roomId, ["alice", "bob"]);
    if (!alice || !bob) throw new Error("join failed");
    await evictDurableObject(roomStub(roomId));
    await bob.close();
    await alice.waitFor(left("bob"));
    await untilSockets(roomId, 1);
    await alice.sync();
    expect(alice.count(left("bob"))).toBe(1);
    await alice.close();
  });
});
