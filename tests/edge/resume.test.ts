import { CLOSE_REPLACED, type ServerMessage } from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import { closeAll, isError, isType, TestClient, uniqueRoom } from "./client.ts";

const left = (user: string) => (m: ServerMessage) => m.type === "user-left" && m.data.user === user;
const arrived = (user: string) => (m: ServerMessage) => m.type === "user-joined" && m.data.user === user;

describe("resume: a new connection takes over a name its old, silently dropped connection still holds", () => {
  it("joined carries a fresh secret per membership", async () => {
    const roomId = uniqueRoom("resume");
    const { client: a, joined: first } = await TestClient.join(roomId, "alice");
    const { client: b, joined: second } = await TestClient.join(roomId, "bob");
    expect(first.data.resume).toMatch(/^[0-9a-f]{32}$/);
    expect(second.data.resume).toMatch(/^[0-9a-f]{32}$/);
    expect(first.data.resume).not.toBe(second.data.resume);
    await closeAll([a, b]);
  });

  it("with the right secret: the old socket is closed (4009), the others see nothing", async () => {
    const roomId = uniqueRoom("resume");
    const { client: stale, joined } = await TestClient.join(roomId, "alice");
    const { client: bob } = await TestClient.join(roomId, "bob");
    const fresh = await TestClient.connect(roomId);
    fresh.send({ type: "join-room", data: { roomId, username: "alice", resume: joined.data.resume } });
    const [rejoined] = await fresh.waitFor(isType("joined"));
    expect(rejoined?.data.users).toEqual(["alice", "bob"]);
    expect(rejoined?.data.resume).not.toBe(joined.data.resume);
    expect(rejoined?.data.resumed).toBe(true);
    expect(await stale.closedByServer()).toBe(CLOSE_REPLACED);
    // The membership went on: nobody saw alice leave or come back.
    await bob.sync();
    expect(bob.count(left("alice"))).toBe(0);
    expect(bob.count(arrived("alice"))).toBe(0);
    // The new socket speaks as alice; the secret it replaced is spent.
    fresh.chat("back");
    const [chat] = await bob.waitFor(isType("chat-message"));
    expect(chat?.data.from).toBe("alice");
    const thief = await TestClient.connect(roomId);
    thief.send({ type: "join-room", data: { roomId, username: "alice", resume: joined.data.resume } });
    await thief.waitFor(isError("username-taken"));
    expect(fresh.closed).toBe(false);
    await closeAll([fresh, bob, thief]);
  });

  it("a wrong or missing secret is username-taken and changes nothing", async () => {
    const roomId = uniqueRoom("resume");
    const { client: alice } = await TestClient.join(roomId, "alice");
    const other = await TestClient.connect(roomId);
    other.send({ type: "join-room", data: { roomId, username: "alice", resume: "0".repeat(32) } });
    await other.waitFor(isError("username-taken"));
    other.send({ type: "join-room", data: { roomId, username: "alice" } });
    await other.waitFor(isError("username-taken"));
    await alice.sync();
    expect(alice.closed).toBe(false);
    expect(alice.inbox.filter((m) => m.type === "user-left" || m.type === "user-joined")).toEqual([]);
    await closeAll([alice, other]);
  });

  it("a malformed secret is invalid-message", async () => {
    const roomId = uniqueRoom("resume");
    const client = await TestClient.connect(roomId);
    client.send({ type: "join-room", data: { roomId, username: "alice", resume: "not hex" } });
    await client.waitFor(isError("invalid-message"));
    await client.close();
  });
});
