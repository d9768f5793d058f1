import {
  CHAT_TEXT_MAX_LENGTH,
  DEFAULT_MAX_PARTICIPANTS,
  DEFAULT_RATE_BURST,
  MAX_FRAME_BYTES,
  type ServerMessage,
  USERNAME_MAX_LENGTH,
} from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import { closeAll, isError, isType, joinAll, TestClient, uniqueRoom, untilSockets, upgrade } from "./client.ts";

// wrangler.toml keeps the protocol defaults; the tests run against them.
const MAX_PARTICIPANTS = DEFAULT_MAX_PARTICIPANTS;
const RATE_BURST = DEFAULT_RATE_BURST;

describe("username: length and characters", () => {
  it.each([
    ["the longest allowed name", "n".repeat(USERNAME_MAX_LENGTH)],
    ["letters of any script, digits, spaces inside, . _ -", "Jürgen Müller_2.0-α"],
    ["a single character", "x"],
  ])("accepts %s", async (_what, username) => {
    const { client, joined } = await TestClient.join(uniqueRoom("name-ok"), username);
    expect(joined.data.users).toEqual([username]);
    await client.close();
  });

  it.each([
    ["one character too long", "n".repeat(USERNAME_MAX_LENGTH + 1), "too-large"],
    ["empty", "", "invalid-message"],
    ["a leading space", " alice", "invalid-message"],
    ["a trailing space", "alice ", "invalid-message"],
    ["markup", "<b>alice</b>", "invalid-message"],
    ["a control character", "ali\nce", "invalid-message"],
    ["an emoji", "alice🙂", "invalid-message"],
  ])("refuses %s", async (_what, username, code) => {
    const roomId = uniqueRoom("name-bad");
    const client = await TestClient.connect(roomId);
    client.send({ type: "join-room", data: { roomId, username }, requestId: "name" });
    const [error] = await client.waitFor(isError(code));
    expect(error?.requestId).toBe("name");
    expect(error?.data.message).toContain("username");
    await client.close();
  });
});

describe("chat text length and frame size", () => {
  it("accepts the longest chat text, refuses one character more and an empty text", async () => {
    const roomId = uniqueRoom("chat-len");
    const [alice, bob] = await joinAll(roomId, ["alice", "bob"]);
    if (!alice || !bob) throw new Error("join failed");
    alice.chat("y".repeat(CHAT_TEXT_MAX_LENGTH + 1), "long");
    alice.chat("", "empty");
    alice.chat("z".repeat(CHAT_TEXT_MAX_LENGTH), "max");
    const [tooLong] = await alice.waitFor(isError("too-large"));
    const [empty] = await alice.waitFor(isError("invalid-message"));
    expect(tooLong?.requestId).toBe("long");
    expect(empty?.requestId).toBe("empty");
    const [chat] = await bob.waitFor(isType("chat-message"));
    expect(chat?.data.text).toHaveLength(CHAT_TEXT_MAX_LENGTH);
    await bob.sync();
    expect(bob.count(isType("chat-message"))).toBe(1);
    await closeAll([alice, bob]);
  });

  it("refuses a frame over MAX_FRAME_BYTES (counted in UTF-8 bytes) and relays one just under it", async () => {
    const roomId = uniqueRoom("frame");
    const [alice, bob] = await joinAll(roomId, ["alice", "bob"]);
    if (!alice || !bob) throw new Error("join failed");
    const frameOf = (sdp: string) =>
      JSON.stringify({ type: "webrtc-offer", data: { target: "bob", payload: { type: "offer", sdp } } });
    const overhead = frameOf("").length;
    // 3-byte UTF-8 characters: under the limit in characters, over it in bytes.
    alice.sendRaw(frameOf("€".repeat(Math.ceil((MAX_FRAME_BYTES - overhead) / 3) + 1)));
    const [error] = await alice.waitFor(isError("too-large"));
    expect(error?.data.message).toContain(String(MAX_FRAME_BYTES));
    const sdpBudget = 60 * 1024; // SDP_MAX_LENGTH: the largest SDP a relay accepts
    alice.sendRaw(frameOf("s".repeat(sdpBudget)));
    const [offer] = await bob.waitFor(isType("webrtc-offer"));
    expect(offer?.data.payload).toMatchObject({ type: "offer" });
    await closeAll([alice, bob]);
  });
});

describe(`room size: ${MAX_PARTICIPANTS} participants`, () => {
  it("one chat reaches all participants exactly once; one more joiner is room-full until someone leaves", async () => {
    const roomId = uniqueRoom("full");
    const names = Array.from({ length: MAX_PARTICIPANTS }, (_, i) => `user-${i}`);
    const clients = await joinAll(roomId, names);
    const [first, last] = [clients[0], clients[clients.length - 1]];
    if (!first || !last) throw new Error("join failed");
    // Everyone before the last joiner has heard of it.
    const lastJoined = (m: ServerMessage) => m.type === "user-joined" && m.data.user === last.username;
    await Promise.all(clients.slice(0, -1).map((client) => client.waitFor(lastJoined)));

    first.chat("hello, everyone", "fan-out");
    await Promise.all(clients.map((client) => client.waitFor(isType("chat-message"))));
    await Promise.all(clients.map((client) => client.sync()));
    for (const client of clients) {
      const chats = client.received(isType("chat-message"));
      expect(chats).toHaveLength(1);
      expect(chats[0]?.data).toMatchObject({ from: "user-0", text: "hello, everyone" });
      expect(chats[0]?.requestId).toBe(client === first ? "fan-out" : undefined);
      expect(client.malformed).toEqual([]);
    }

    const extra = await TestClient.connect(roomId);
    extra.send({ type: "join-room", data: { roomId, username: "one-too-many" }, requestId: "full" });
    const [full] = await extra.waitFor(isError("room-full"));
    expect(full?.requestId).toBe("full");
    expect(full?.data.message).toContain(String(MAX_PARTICIPANTS));
    await first.sync();
    expect(first.count((m) => m.type === "user-joined" && m.data.user === "one-too-many")).toBe(0);

    await last.close();
    await first.waitFor((m) => m.type === "user-left" && m.data.user === last.username);
    const joined = await extra.joinAs("one-too-many");
    expect(joined.data.users).toHaveLength(MAX_PARTICIPANTS);
    await closeAll([...clients, extra]);
    await untilSockets(roomId, 0);
  }, 120_000);
});

describe("open connections per room", () => {
  it(`refuses the upgrade past ${2 * MAX_PARTICIPANTS} sockets (joined or not) with 503 JSON, until one closes`, async () => {
    const roomId = uniqueRoom("sockets");
    const sockets: TestClient[] = [];
    for (let i = 0; i < 2 * MAX_PARTICIPANTS; i++) sockets.push(await TestClient.connect(roomId));
    const refused = await upgrade(`/rooms/${roomId}/ws`);
    expect(refused.status).toBe(503);
    expect(refused.webSocket).toBeNull();
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("room-full");
    await sockets[0]?.close();
    await untilSockets(roomId, 2 * MAX_PARTICIPANTS - 1);
    const admitted = await TestClient.connect(roomId);
    expect((await admitted.joinAs("admitted")).data.users).toEqual(["admitted"]);
    await closeAll([...sockets, admitted]);
  }, 120_000);
});

describe("message rate: a token bucket per socket", () => {
  it("a flooding socket gets rate-limited (requestId echoed, socket kept) while the others are still served", async () => {
    const roomId = uniqueRoom("flood");
    const [flooder, alice, bob] = await joinAll(roomId, ["flooder", "alice", "bob"]);
    if (!flooder || !alice || !bob) throw new Error("join failed");
    const flood = RATE_BURST * 5;
    for (let i = 0; i < flood; i++) flooder.chat(`spam ${i}`, `f-${i}`);
    alice.chat("hello from alice", "a-1");

    // Alice is not throttled by someone else's flood: her chat reaches bob.
    await bob.waitFor((m) => m.type === "chat-message" && m.data.from === "alice");
    const [aliceOwn] = await alice.waitFor((m) => m.type === "chat-message" && m.data.from === "alice");
    expect(aliceOwn?.requestId).toBe("a-1");

    // Every flooded message is accounted for, never dropped silently: delivered or refused.
    const answered = (m: { type: string; requestId?: string | undefined }) =>
      m.requestId?.startsWith("f-") === true && (m.type === "chat-message" || m.type === "error");
    await flooder.waitFor(answered, flood);
    const refused = flooder.received(isError("rate-limited"));
    const delivered = flooder.received((m) => m.type === "chat-message" && m.data.from === "flooder");
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length + delivered.length).toBe(flood);
    expect(delivered.length).toBeGreaterThanOrEqual(RATE_BURST - 1); // the burst (one token went to the join)
    expect(delivered.length).toBeLessThan(flood);
    expect(refused[0]?.data.message).toMatch(/too many messages/);

    // Exactly the delivered ones reached the room; the flooder is still connected and a member.
    await bob.sync();
    expect(bob.count((m) => m.type === "chat-message" && m.data.from === "flooder")).toBe(delivered.length);
    expect(flooder.closed).toBe(false);
    await flooder.ping(); // keepalive is not rate-limited
    await closeAll([flooder, alice, bob]);
  });
});
