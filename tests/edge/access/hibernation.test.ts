import { describe, expect, it } from "vitest";
import { closeAll, evict, isError, isType, TestClient, uniqueRoom } from "../client.ts";
import { admin, mint } from "./tokens.ts";

describe("access state survives eviction of the room's Durable Object", () => {
  it("grants, a live grant change, the lobby, the lock and removed tokens are all still there", async () => {
    const roomId = uniqueRoom("access-evict");
    const { client: mod } = await TestClient.join(roomId, "mod", await admin(roomId, "mod"));
    const { client: bob } = await TestClient.join(roomId, "bob", await mint({ room: roomId, user: "bob" }));
    const eveToken = await mint({ room: roomId, user: "eve" });
    const { client: eve } = await TestClient.join(roomId, "eve", eveToken);
    mod.send({ type: "update-participant", data: { user: "bob", permissions: { canPublishData: false } } });
    await bob.waitFor(isType("participant-updated"));
    mod.send({ type: "remove-participant", data: { user: "eve" } });
    await eve.closedByServer();
    mod.send({ type: "update-room", data: { lobby: true } });
    await mod.waitFor(isType("room-updated"));
    const carol = await TestClient.connect(roomId);
    carol.send({
      type: "join-room",
      data: { roomId, username: "carol", token: await mint({ room: roomId, user: "carol" }) },
    });
    await carol.waitFor(isType("lobby-waiting"));
    await mod.waitFor(isType("lobby-updated"));

    await evict(roomId);

    // bob's changed grant holds; the moderator is still one.
    bob.chat("still muted?", "b-1");
    const [refused] = await bob.waitFor(isError("unauthorized"));
    expect(refused?.requestId).toBe("b-1");
    // The waiter is still waiting (not closed by the join timeout), and can be admitted.
    mod.send({ type: "admit-participant", data: { user: "carol" } });
    const [joined] = await carol.waitFor(isType("joined"));
    expect(joined?.data.users).toEqual(["mod", "bob", "carol"]);
    await evict(roomId);
    // The lobby setting holds: a newcomer waits; eve's token is still refused.
    const dave = await TestClient.connect(roomId);
    dave.send({
      type: "join-room",
      data: { roomId, username: "dave", token: await mint({ room: roomId, user: "dave" }) },
    });
    await dave.waitFor(isType("lobby-waiting"));
    const again = await TestClient.connect(roomId);
    again.send({ type: "join-room", data: { roomId, username: "eve", token: eveToken } });
    await again.waitFor(isError("removed"));
    await closeAll([mod, bob, carol, dave, again]);
  });
});
