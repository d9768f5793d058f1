import { evictDurableObject } from "cloudflare:test";
import { HAND_RATE_BURST, REACTION_RATE_BURST, REACTIONS } from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import { closeAll, isType, joinAll, roomStub, TestClient, uniqueRoom } from "./client.ts";

/** A room of `names`, each inbox drained of the join announcements. */
async function room(names: readonly string[]): Promise<{ roomId: string; clients: TestClient[] }> {
  const roomId = uniqueRoom("presence");
  const clients = await joinAll(roomId, names);
  for (const client of clients) await client.sync();
  for (const client of clients) client.inbox.length = 0;
  return { roomId, clients };
}

function three(clients: TestClient[]): [TestClient, TestClient, TestClient] {
  const [a, b, c] = clients;
  if (!a || !b || !c) throw new Error("expected three clients");
  return [a, b, c];
}

/** Sends `message` with a fresh requestId and resolves with the first reply carrying it. */
async function answer(client: TestClient, message: Record<string, unknown>) {
  const requestId = `r-${crypto.randomUUID()}`;
  client.send({ ...message, requestId });
  const [reply] = await client.waitFor((m) => m.requestId === requestId);
  if (reply === undefined) throw new Error("unreachable: waited for the reply");
  return reply;
}

const raise = { type: "raise-hand", data: {} };
const lower = { type: "lower-hand", data: {} };

describe("raise-hand and lower-hand", () => {
  it("reach everyone, stamped with the sender's own name and the edge's time; requestId only on the sender's copy", async () => {
    const { clients } = await room(["alice", "bob", "carol"]);
    const [alice, bob, carol] = three(clients);
    // A claimed `user` is not part of raise-hand's schema: dropped, never believed.
    alice.send({ type: "raise-hand", data: { user: "carol" }, requestId: "h-1" });
    const [own] = await alice.waitFor(isType("hand-raised"));
    const [atBob] = await bob.waitFor(isType("hand-raised"));
    const [atCarol] = await carol.waitFor(isType("hand-raised"));
    expect(own?.requestId).toBe("h-1");
    expect(own?.data.user).toBe("alice");
    expect(new Date(own?.data.raisedAt ?? "").toISOString()).toBe(own?.data.raisedAt);
    expect(atBob).toEqual({ type: "hand-raised", data: own?.data });
    expect(atCarol).toEqual({ type: "hand-raised", data: own?.data });

    alice.send({ type: "lower-hand", data: {}, requestId: "h-2" });
    const [down] = await alice.waitFor(isType("hand-lowered"));
    expect(down).toEqual({ type: "hand-lowered", data: { user: "alice" }, requestId: "h-2" });
    expect((await bob.waitFor(isType("hand-lowered")))[0]).toEqual({ type: "hand-lowered", data: { user: "alice" } });
    await carol.waitFor(isType("hand-lowered"));
    for (const client of clients) await client.sync();
    for (const client of clients) {
      expect(client.count(isType("hand-raised"))).toBe(1);
      expect(client.count(isType("hand-lowered"))).toBe(1);
    }
    await closeAll(clients);
  });

  it("raising a raised hand keeps its time and tells only the sender; lowering a lowered one likewise", async () => {
    const { clients } = await room(["alice", "bob"]);
    const [alice, bob] = clients as [TestClient, TestClient];
    const first = await answer(alice, raise);
    const again = await answer(alice, raise);
    expect(again.type).toBe("hand-raised");
    expect(again.data).toEqual(first.data);
    await answer(alice, lower);
    const twice = await answer(alice, lower);
    expect(twice.data).toEqual({ user: "alice" });
    await bob.sync();
    expect(bob.count(isType("hand-raised"))).toBe(1);
    expect(bob.count(isType("hand-lowered"))).toBe(1);
    await closeAll(clients);
  });

  it("joined.hands lists every raised hand in the order raised, for late joiners and after eviction", async () => {
    const { roomId, clients } = await room(["alice", "bob", "carol"]);
    const [alice, bob, carol] = three(clients);
    // Raised one after another, as fast as the room takes them: the order is the order of arrival.
    for (const client of [carol, alice, bob]) client.send(raise);
    await alice.waitFor(isType("hand-raised"), 3);
    await answer(bob, lower);
    await evictDurableObject(roomStub(roomId));
    const { client: dave, joined } = await TestClient.join(roomId, "dave");
    expect(joined.data.hands?.map((h) => h.user)).toEqual(["carol", "alice"]);
    const times = joined.data.hands?.map((h) => Date.parse(h.raisedAt)) ?? [];
    expect(times[0]).toBeLessThan(times[1] ?? 0);
    // The same times the others were told.
    const told = alice.received(isType("hand-raised"));
    expect(joined.data.hands).toEqual([told[0]?.data, told[1]?.data]);
    await closeAll([...clients, dave]);
  });

  it("a hand survives a resume: the new joined lists it, and the others see nothing change", async () => {
    const { roomId, clients } = await room(["alice", "bob"]);
    const [alice, bob] = clients as [TestClient, TestClient];
    const { client: erin, joined: erinJoined } = await TestClient.join(roomId, "erin");
    const raised = await answer(erin, raise);
    await bob.waitFor(isType("hand-raised"));
    const fresh = await TestClient.connect(roomId);
    fresh.send({ type: "join-room", data: { roomId, username: "erin", resume: erinJoined.data.resume } });
    const [rejoined] = await fresh.waitFor(isType("joined"));
    expect(rejoined?.data.hands).toEqual([raised.data]);
    // The membership went on: bob saw no leave, no join, and the hand once.
    await bob.sync();
    const order = bob.inbox.map((m) => m.type).filter((t) => t !== "media-state");
    expect(order.slice(-2)).toEqual(["user-joined", "hand-raised"]);
    expect(bob.count(isType("hand-raised"))).toBe(1);
    await closeAll([alice, bob, erin, fresh]);
  });

  it("a membership that ends takes its hand down: a later join of the same name has none", async () => {
    const { roomId, clients } = await room(["alice", "bob"]);
    const [alice, bob] = clients as [TestClient, TestClient];
    await answer(alice, raise);
    await alice.close();
    await bob.waitFor(isType("user-left"));
    const { client: again, joined } = await TestClient.join(roomId, "alice");
    expect(joined.data.hands).toEqual([]);
    await closeAll([bob, again]);
  });

  it("lower-hand naming someone else is unauthorized without roomAdmin and changes nothing", async () => {
    const { roomId, clients } = await room(["alice", "bob"]);
    const [alice, bob] = clients as [TestClient, TestClient];
    await answer(alice, raise);
    await bob.waitFor(isType("hand-raised"));
    const refused = await answer(bob, { type: "lower-hand", data: { user: "alice" } });
    expect(refused.type === "error" && refused.data.code).toBe("unauthorized");
    // Naming oneself (in any spelling of the name) is fine.
    const own = await answer(alice, { type: "lower-hand", data: { user: "ALICE" } });
    expect(own.type).toBe("hand-lowered");
    await answer(alice, raise);
    const { joined } = await TestClient.join(roomId, "carol").then(async (r) => {
      await r.client.close();
      return r;
    });
    expect(joined.data.hands?.map((h) => h.user)).toEqual(["alice"]);
    await closeAll(clients);
  });

  it("is rate-limited per participant, and a new connection of the same name does not refill it", async () => {
    const { roomId, clients } = await room(["alice", "bob"]);
    const [alice, bob] = clients as [TestClient, TestClient];
    for (let i = 0; i < HAND_RATE_BURST; i++) alice.send(i % 2 === 0 ? raise : lower);
    await alice.waitFor((m) => m.type === "hand-raised" || m.type === "hand-lowered", HAND_RATE_BURST);
    const refused = await answer(alice, raise);
    expect(refused.type === "error" && refused.data.code).toBe("rate-limited");
    await bob.sync();
    expect(bob.count(isType("hand-raised")) + bob.count(isType("hand-lowered"))).toBe(HAND_RATE_BURST);
    // Leave and come back as alice: still limited (the bucket follows the name).
    await alice.close();
    await bob.waitFor(isType("user-left"));
    const { client: back } = await TestClient.join(roomId, "alice");
    const still = await answer(back, raise);
    expect(still.type === "error" && still.data.code).toBe("rate-limited");
    // Others are not affected.
    expect((await answer(bob, raise)).type).toBe("hand-raised");
    await closeAll([bob, back]);
  });
});

describe("send-reaction", () => {
  it.each(REACTIONS)(
    "%s reaches everyone once, the sender included, stamped with the sender's name",
    async (reaction) => {
      const { clients } = await room(["alice", "bob", "carol"]);
      const [alice, bob, carol] = three(clients);
      alice.send({ type: "send-reaction", data: { reaction, user: "bob" }, requestId: "x-1" });
      const [own] = await alice.waitFor(isType("reaction"));
      expect(own).toEqual({ type: "reaction", data: { user: "alice", reaction }, requestId: "x-1" });
      expect((await bob.waitFor(isType("reaction")))[0]).toEqual({
        type: "reaction",
        data: { user: "alice", reaction },
      });
      await carol.waitFor(isType("reaction"));
      for (const client of clients) await client.sync();
      for (const client of clients) expect(client.count(isType("reaction"))).toBe(1);
      await closeAll(clients);
    },
  );

  it("is rate-limited per sender; the others' reactions still go through", async () => {
    const { clients } = await room(["alice", "bob"]);
    const [alice, bob] = clients as [TestClient, TestClient];
    const clap = { type: "send-reaction", data: { reaction: "clap" } };
    for (let i = 0; i < REACTION_RATE_BURST; i++) alice.send(clap);
    await alice.waitFor(isType("reaction"), REACTION_RATE_BURST);
    const refused = await answer(alice, clap);
    expect(refused.type === "error" && refused.data.code).toBe("rate-limited");
    expect((await answer(bob, clap)).type).toBe("reaction");
    await bob.sync();
    expect(bob.received(isType("reaction")).filter((m) => m.data.user === "alice")).toHaveLength(REACTION_RATE_BURST);
    await closeAll(clients);
  });
});

describe("hostile presence input changes nothing", () => {
  it.each([
    ["an unknown reaction", { type: "send-reaction", data: { reaction: "poop" } }, "invalid-message"],
    ["a reaction as an emoji", { type: "send-reaction", data: { reaction: "👍" } }, "invalid-message"],
    ["a reaction that is not a string", { type: "send-reaction", data: { reaction: 7 } }, "invalid-message"],
    ["no reaction", { type: "send-reaction", data: {} }, "invalid-message"],
    ["raise-hand without data", { type: "raise-hand" }, "invalid-message"],
    ["raise-hand with array data", { type: "raise-hand", data: [] }, "invalid-message"],
    ["lower-hand naming an invalid name", { type: "lower-hand", data: { user: "a\u202Eb" } }, "invalid-message"],
    ["lower-hand naming nobody", { type: "lower-hand", data: { user: "" } }, "invalid-message"],
  ])("%s is refused (%s)", async (_what, message, code) => {
    const { roomId, clients } = await room(["alice", "bob"]);
    const [alice, bob] = clients as [TestClient, TestClient];
    await answer(bob, raise);
    await alice.waitFor(isType("hand-raised"));
    alice.inbox.length = 0;
    const refused = await answer(alice, message);
    expect(refused.type === "error" && refused.data.code).toBe(code);
    await bob.sync();
    expect(bob.inbox.filter((m) => m.type === "reaction" || m.type === "hand-lowered")).toEqual([]);
    const { client: carol, joined } = await TestClient.join(roomId, "carol");
    expect(joined.data.hands?.map((h) => h.user)).toEqual(["bob"]);
    await closeAll([...clients, carol]);
  });

  it("before joining, every presence message is not-joined", async () => {
    const client = await TestClient.connect(uniqueRoom("presence"));
    for (const message of [raise, lower, { type: "send-reaction", data: { reaction: "heart" } }]) {
      const reply = await answer(client, message);
      expect(reply.type === "error" && reply.data.code).toBe("not-joined");
    }
    await client.close();
  });
});
