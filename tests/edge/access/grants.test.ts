import type { ClientMessage } from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import { closeAll, isType, TestClient, uniqueRoom } from "../client.ts";
import { admin, mint } from "./tokens.ts";

// The access runtime has no media node: an SFU message that passes the grant check is answered
// media-unavailable, one that does not is unauthorized (grants come first).
const rtpParameters = {
  codecs: [{ mimeType: "video/VP8", payloadType: 96, clockRate: 90000 }],
  encodings: [{ ssrc: 1 }],
};
const produce = (kind: "audio" | "video", source?: string): ClientMessage =>
  ({
    type: "produce",
    data: { transportId: "t1", kind, rtpParameters, ...(source === undefined ? {} : { appData: { source } }) },
  }) as ClientMessage;

/** Sends `message` and returns the code of the error that answers it. */
async function answer(client: TestClient, message: ClientMessage | Record<string, unknown>): Promise<string> {
  const requestId = `r-${crypto.randomUUID()}`;
  client.send({ ...message, requestId });
  const [reply] = await client.waitFor((m) => m.requestId === requestId);
  return reply?.type === "error" ? reply.data.code : (reply?.type ?? "none");
}

const chat = { type: "chat-message", data: { from: "x", text: "hi", timestamp: new Date().toISOString() } };
const media = (state: Partial<Record<"microphone" | "camera" | "screen", boolean>>) => ({
  type: "media-state",
  data: { microphone: false, camera: false, screen: false, ...state },
});

describe("grants are checked on every message", () => {
  it("publishing: canPublish and canPublishSources decide by kind and appData.source", async () => {
    const roomId = uniqueRoom("publish");
    const { client: viewer } = await TestClient.join(
      roomId,
      "viewer",
      await mint({ room: roomId, user: "viewer", grant: { canPublish: false } }),
    );
    const { client: speaker } = await TestClient.join(
      roomId,
      "speaker",
      await mint({ room: roomId, user: "speaker", grant: { canPublishSources: ["microphone"] } }),
    );
    expect(await answer(viewer, produce("audio"))).toBe("unauthorized");
    expect(await answer(viewer, produce("video", "camera"))).toBe("unauthorized");
    expect(await answer(viewer, { type: "create-transport", data: { direction: "send" } })).toBe("unauthorized");
    expect(await answer(viewer, { type: "create-transport", data: { direction: "recv" } })).toBe("media-unavailable");
    expect(await answer(viewer, media({ camera: true }))).toBe("unauthorized");
    expect(await answer(speaker, produce("audio"))).toBe("media-unavailable");
    expect(await answer(speaker, produce("audio", "microphone"))).toBe("media-unavailable");
    expect(await answer(speaker, produce("video"))).toBe("unauthorized");
    expect(await answer(speaker, produce("video", "screen"))).toBe("unauthorized");
    // A made-up label does not escape the grant: video counts as the camera.
    expect(await answer(speaker, produce("video", "microphone"))).toBe("unauthorized");
    expect(await answer(speaker, produce("audio", "screen"))).toBe("unauthorized");
    expect(await answer(speaker, media({ microphone: true, screen: true }))).toBe("unauthorized");
    // Allowed media-state reaches the others.
    speaker.send(media({ microphone: true }));
    const [state] = await viewer.waitFor(isType("media-state"));
    expect(state?.data).toMatchObject({ user: "speaker", microphone: true });
    await closeAll([viewer, speaker]);
  });

  it("subscribing and data: canSubscribe and canPublishData", async () => {
    const roomId = uniqueRoom("subscribe");
    const { client: deaf } = await TestClient.join(
      roomId,
      "deaf",
      await mint({ room: roomId, user: "deaf", grant: { canSubscribe: false, canPublishData: false } }),
    );
    const { client: other } = await TestClient.join(roomId, "other", await mint({ room: roomId, user: "other" }));
    const rtpCapabilities = { codecs: [], headerExtensions: [] };
    expect(await answer(deaf, { type: "consume", data: { transportId: "t", producerId: "p", rtpCapabilities } })).toBe(
      "unauthorized",
    );
    expect(await answer(deaf, { type: "resume-consumer", data: { consumerId: "c" } })).toBe("unauthorized");
    const many = { transportId: "t", producerIds: ["p1", "p2"], rtpCapabilities };
    expect(await answer(deaf, { type: "consume-many", data: many })).toBe("unauthorized");
    expect(await answer(deaf, { type: "resume-consumers", data: { consumerIds: ["c1", "c2"] } })).toBe("unauthorized");
    // Allowed, they reach the media side (none here).
    expect(await answer(other, { type: "consume-many", data: many })).toBe("media-unavailable");
    expect(await answer(deaf, { type: "create-transport", data: { direction: "recv" } })).toBe("unauthorized");
    expect(await answer(deaf, chat)).toBe("unauthorized");
    expect(await answer(other, chat)).toBe("chat-message");
    await other.sync();
    expect(other.count(isType("chat-message"))).toBe(1); // its own copy only: the refused chat reached nobody
    await closeAll([deaf, other]);
  });

  it("moderation needs roomAdmin", async () => {
    const roomId = uniqueRoom("not-admin");
    const { client: alice } = await TestClient.join(roomId, "alice", await mint({ room: roomId, user: "alice" }));
    const { client: bob } = await TestClient.join(roomId, "bob", await mint({ room: roomId, user: "bob" }));
    const requests = [
      { type: "mute-participant", data: { user: "bob", source: "microphone" } },
      { type: "remove-participant", data: { user: "bob" } },
      { type: "update-participant", data: { user: "alice", permissions: { roomAdmin: true } } },
      { type: "update-room", data: { locked: true } },
      { type: "admit-participant", data: { user: "carol" } },
      { type: "deny-participant", data: { user: "carol" } },
      { type: "end-room", data: {} },
    ];
    for (const request of requests) expect(await answer(alice, request), request.type).toBe("unauthorized");
    await bob.sync();
    expect(bob.closed).toBe(false);
    expect(bob.inbox.map((m) => m.type)).toEqual(["joined"]);
    await closeAll([alice, bob]);
  });

  it("a hidden participant is listed to nobody, cannot publish, and is no relay target", async () => {
    const roomId = uniqueRoom("hidden");
    const { client: alice } = await TestClient.join(roomId, "alice", await mint({ room: roomId, user: "alice" }));
    const ghost = await TestClient.join(
      roomId,
      "recorder",
      await mint({ room: roomId, user: "recorder", grant: { hidden: true } }),
    );
    expect(ghost.joined.data.users).toEqual(["alice", "recorder"]); // it sees itself
    const { client: bob, joined } = await TestClient.join(roomId, "bob", await mint({ room: roomId, user: "bob" }));
    expect(joined.data.users).toEqual(["alice", "bob"]);
    expect(joined.data.participants?.map((p) => p.user)).toEqual(["alice", "bob"]);
    expect(await answer(ghost.client, chat)).toBe("unauthorized");
    expect(await answer(ghost.client, produce("audio"))).toBe("unauthorized");
    expect(await answer(ghost.client, media({}))).toBe("unauthorized");
    const offer = { type: "webrtc-offer", data: { target: "recorder", payload: { type: "offer", sdp: "v=0\r\n" } } };
    expect(await answer(bob, offer)).toBe("unknown-target");
    // It still receives the room (it may subscribe): bob's chat reaches it.
    bob.chat("hello");
    await ghost.client.waitFor(isType("chat-message"));
    await ghost.client.close();
    await alice.sync();
    expect(alice.count(isType("user-joined"))).toBe(1); // bob only
    expect(alice.count(isType("user-left"))).toBe(0); // the recorder left unseen
    await closeAll([alice, bob]);
  });

  it("a live grant change takes effect at once", async () => {
    const roomId = uniqueRoom("live-grants");
    const { client: mod } = await TestClient.join(roomId, "mod", await admin(roomId, "mod"));
    const { client: bob } = await TestClient.join(roomId, "bob", await mint({ room: roomId, user: "bob" }));
    expect(await answer(bob, chat)).toBe("chat-message");
    const demote = {
      type: "update-participant",
      data: { user: "bob", permissions: { canPublishData: false, canPublish: false } },
    };
    expect(await answer(mod, demote)).toBe("participant-updated");
    const [updated] = await bob.waitFor(isType("participant-updated"));
    expect(updated?.data).toMatchObject({
      user: "bob",
      by: "mod",
      permissions: { canPublish: false, canPublishData: false },
    });
    expect(await answer(bob, chat)).toBe("unauthorized");
    expect(await answer(bob, produce("audio"))).toBe("unauthorized");
    const promote = {
      type: "update-participant",
      data: { user: "bob", permissions: { canPublishData: true, canPublish: true } },
    };
    expect(await answer(mod, promote)).toBe("participant-updated");
    expect(await answer(bob, chat)).toBe("chat-message");
    expect(await answer(bob, produce("audio"))).toBe("media-unavailable");
    // Made a moderator, bob may moderate.
    const crown = { type: "update-participant", data: { user: "bob", permissions: { roomAdmin: true } } };
    expect(await answer(mod, crown)).toBe("participant-updated");
    expect(await answer(bob, { type: "update-room", data: { lobby: false } })).toBe("room-updated");
    await closeAll([mod, bob]);
  });
});
