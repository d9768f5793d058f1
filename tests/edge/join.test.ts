import { describe, expect, it } from "vitest";
import { closeAll, isError, isType, joinAll, TestClient, uniqueRoom, untilSockets } from "./client.ts";

const userJoined = (user: string) => (m: { type: string; data: unknown }) =>
  m.type === "user-joined" && (m.data as { user: string }).user === user;
const userLeft = (user: string) => (m: { type: string; data: unknown }) =>
  m.type === "user-left" && (m.data as { user: string }).user === user;

describe("join-room", () => {
  it("replies joined (users include the joiner, requestId echoed); everyone else gets user-joined once", async () => {
    const roomId = uniqueRoom("join");
    const alice = await TestClient.connect(roomId);
    alice.send({ type: "join-room", data: { roomId, username: "alice" }, requestId: "j-1" });
    const [aliceJoined] = await alice.waitFor(isType("joined"));
    // An open room (no API keys): everyone may publish, subscribe and chat; nobody moderates.
    const open = {
      canPublish: true,
      canSubscribe: true,
      canPublishData: true,
      roomAdmin: false,
      hidden: false,
      roomRecord: false,
    };
    expect(aliceJoined).toEqual({
      type: "joined",
      data: {
        roomId,
        users: ["alice"],
        media: [],
        resume: expect.stringMatching(/^[0-9a-f]{32}$/),
        you: { user: "alice", permissions: open },
        participants: [{ user: "alice", permissions: open }],
        room: { locked: false, lobby: false },
        recording: null,
        hands: [],
      },
      requestId: "j-1",
    });
    alice.username = "alice";

    const bob = await TestClient.connect(roomId);
    bob.send({ type: "join-room", data: { roomId, username: "bob" }, requestId: "j-2" });
    const [bobJoined] = await bob.waitFor(isType("joined"));
    expect(bobJoined?.data.users).toEqual(["alice", "bob"]);
    expect(bobJoined?.requestId).toBe("j-2");
    const [announce] = await alice.waitFor(userJoined("bob"));
    // No requestId on broadcasts.
    expect(announce).toEqual({ type: "user-joined", data: { user: "bob", permissions: open } });

    const { client: carol, joined } = await TestClient.join(roomId, "carol");
    expect(joined.data.users).toEqual(["alice", "bob", "carol"]);
    await alice.waitFor(userJoined("carol"));
    await bob.waitFor(userJoined("carol"));
    for (const client of [alice, bob, carol]) await client.sync();
    expect(alice.count(userJoined("carol"))).toBe(1);
    expect(bob.count(userJoined("carol"))).toBe(1);
    expect(carol.count(isType("user-joined"))).toBe(0); // the joiner is told by `joined`, not `user-joined`
    await closeAll([alice, bob, carol]);
  });

  it("a roomId that is not the URL's room is room-mismatch and changes nothing", async () => {
    const roomId = uniqueRoom("mismatch");
    const [alice] = await joinAll(roomId, ["alice"]);
    const intruder = await TestClient.connect(roomId);
    intruder.send({ type: "join-room", data: { roomId: "elsewhere", username: "mallory" }, requestId: "m-1" });
    const [error] = await intruder.waitFor(isError("room-mismatch"));
    expect(error?.requestId).toBe("m-1");
    await alice?.sync();
    expect(alice?.count(isType("user-joined"))).toBe(0);
    // The socket is still usable and still unjoined.
    expect((await intruder.joinAs("mallory")).data.users).toEqual(["alice", "mallory"]);
    await closeAll([alice as TestClient, intruder]);
  });

  it("a second join-room on a joined socket is already-joined; the first identity stays", async () => {
    const roomId = uniqueRoom("twice");
    const [alice, bob] = await joinAll(roomId, ["alice", "bob"]);
    if (!alice || !bob) throw new Error("join failed");
    alice.send({ type: "join-room", data: { roomId, username: "alice2" }, requestId: "again" });
    const [error] = await alice.waitFor(isError("already-joined"));
    expect(error?.requestId).toBe("again");
    await bob.sync();
    expect(bob.count(userJoined("alice2"))).toBe(0);
    const { client: carol, joined } = await TestClient.join(roomId, "carol");
    expect(joined.data.users).toEqual(["alice", "bob", "carol"]);
    await closeAll([alice, bob, carol]);
  });

  it("a username already in the room is username-taken; the holder is unaffected", async () => {
    const roomId = uniqueRoom("taken");
    const [alice] = await joinAll(roomId, ["alice"]);
    if (!alice) throw new Error("join failed");
    const impostor = await TestClient.connect(roomId);
    impostor.send({ type: "join-room", data: { roomId, username: "alice" }, requestId: "t-1" });
    const [error] = await impostor.waitFor(isError("username-taken"));
    expect(error?.requestId).toBe("t-1");
    // Still unjoined: it may not chat as anybody.
    impostor.chat("hi", "t-2");
    await impostor.waitFor(isError("not-joined"));
    await alice.sync();
    expect(alice.inbox).toEqual([
      { type: "joined", data: expect.objectContaining({ roomId, users: ["alice"], media: [] }) },
    ]);
    expect((await impostor.joinAs("alice-2")).data.users).toEqual(["alice", "alice-2"]);
    await closeAll([alice, impostor]);
  });
});

describe("before join-room", () => {
  it("every other message gets not-joined (requestId echoed) and reaches nobody", async () => {
    const roomId = uniqueRoom("unjoined");
    const [alice] = await joinAll(roomId, ["alice"]);
    if (!alice) throw new Error("join failed");
    const stranger = await TestClient.connect(roomId);
    const messages = [
      { type: "leave-room", data: { roomId, username: "alice" } },
      { type: "chat-message", data: { from: "alice", text: "hi", timestamp: new Date().toISOString() } },
      { type: "webrtc-offer", data: { target: "alice", payload: { type: "offer", sdp: "v=0" } } },
      { type: "webrtc-answer", data: { target: "alice", payload: { type: "answer", sdp: "v=0" } } },
      { type: "webrtc-ice-candidate", data: { target: "alice", payload: { candidate: "" } } },
      { type: "media-state", data: { microphone: true, camera: true, screen: false } },
      { type: "create-transport", data: { direction: "send" } },
    ];
    messages.forEach((message, i) => {
      stranger.send({ ...message, requestId: `n-${i}` });
    });
    const errors = await stranger.waitFor(isError("not-joined"), messages.length);
    expect(errors.map((e) => e.requestId)).toEqual(messages.map((_, i) => `n-${i}`));
    await alice.sync();
    expect(alice.inbox).toHaveLength(1); // only its own `joined`
    await closeAll([alice, stranger]);
  });
});

describe("leave-room and socket close", () => {
  it("leave-room: others get user-left once; the later close adds nothing; the name is free again", async () => {
    const roomId = uniqueRoom("leave");
    const [alice, bob, carol] = await joinAll(roomId, ["alice", "bob", "carol"]);
    if (!alice || !bob || !carol) throw new Error("join failed");
    alice.send({ type: "leave-room", data: { roomId, username: "alice" }, requestId: "bye" });
    await bob.waitFor(userLeft("alice"));
    await carol.waitFor(userLeft("alice"));
    expect(bob.received(userLeft("alice"))[0]).toEqual({ type: "user-left", data: { user: "alice" } });
    // The socket is open but no longer a member.
    alice.chat("still here?", "after-leave");
    await alice.waitFor(isError("not-joined"));
    await alice.close();
    await untilSockets(roomId, 2);
    await bob.sync();
    await carol.sync();
    expect(bob.count(userLeft("alice"))).toBe(1);
    expect(carol.count(userLeft("alice"))).toBe(1);
    expect(bob.count(isType("chat-message"))).toBe(0);
    const { client: again, joined } = await TestClient.join(roomId, "alice");
    expect(joined.data.users).toEqual(["bob", "carol", "alice"]);
    await closeAll([bob, carol, again]);
  });

  it("leave-room as someone else is unauthorized; another room's id is room-mismatch; nothing changes", async () => {
    const roomId = uniqueRoom("leave-other");
    const [alice, bob] = await joinAll(roomId, ["alice", "bob"]);
    if (!alice || !bob) throw new Error("join failed");
    alice.send({ type: "leave-room", data: { roomId, username: "bob" }, requestId: "l-1" });
    alice.send({ type: "leave-room", data: { roomId: "other-room", username: "alice" }, requestId: "l-2" });
    const [unauthorized] = await alice.waitFor(isError("unauthorized"));
    const [mismatch] = await alice.waitFor(isError("room-mismatch"));
    expect(unauthorized?.requestId).toBe("l-1");
    expect(mismatch?.requestId).toBe("l-2");
    await bob.sync();
    expect(bob.count(isType("user-left"))).toBe(0);
    bob.chat("still both here");
    await alice.waitFor(isType("chat-message"));
    const { client: carol, joined } = await TestClient.join(roomId, "carol");
    expect(joined.data.users).toEqual(["alice", "bob", "carol"]);
    await closeAll([alice, bob, carol]);
  });

  it("a joined socket that closes counts as leave-room: user-left exactly once", async () => {
    const roomId = uniqueRoom("close");
    const [alice, bob, carol] = await joinAll(roomId, ["alice", "bob", "carol"]);
    if (!alice || !bob || !carol) throw new Error("join failed");
    // A clean close; a dropped one (4000) is kept for its grace (reconnect-grace.test.ts).
    await alice.close(1000);
    await bob.waitFor(userLeft("alice"));
    await carol.waitFor(userLeft("alice"));
    await untilSockets(roomId, 2);
    await bob.sync();
    await carol.sync();
    expect(bob.count(userLeft("alice"))).toBe(1);
    expect(carol.count(userLeft("alice"))).toBe(1);
    const { client: dave, joined } = await TestClient.join(roomId, "dave");
    expect(joined.data.users).toEqual(["bob", "carol", "dave"]);
    await closeAll([bob, carol, dave]);
  });

  it("a socket that closes without joining announces nothing", async () => {
    const roomId = uniqueRoom("close-unjoined");
    const [alice] = await joinAll(roomId, ["alice"]);
    if (!alice) throw new Error("join failed");
    const lurker = await TestClient.connect(roomId);
    await untilSockets(roomId, 2);
    await lurker.close();
    await untilSockets(roomId, 1);
    await alice.sync();
    expect(alice.inbox).toHaveLength(1);
    await alice.close();
  });

  it("a socket can join again (under another name) after leave-room", async () => {
    const roomId = uniqueRoom("rejoin");
    const [alice, bob] = await joinAll(roomId, ["alice", "bob"]);
    if (!alice || !bob) throw new Error("join failed");
    alice.send({ type: "leave-room", data: { roomId, username: "alice" } });
    await bob.waitFor(userLeft("alice"));
    const joined = await alice.joinAs("alicia");
    expect(joined.data.users).toEqual(["bob", "alicia"]);
    await bob.waitFor(userJoined("alicia"));
    await alice.close();
    await bob.waitFor(userLeft("alicia"));
    await untilSockets(roomId, 1);
    await bob.sync();
    expect(bob.count(isType("user-left"))).toBe(2);
    await bob.close();
  });
});
