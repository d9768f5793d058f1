import { MAX_FRAME_BYTES } from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import { closeAll, isError, isType, joinAll, TestClient, uniqueRoom } from "./client.ts";

/** A UTF-8 encoded copy of `text` in its own ArrayBuffer (a binary WebSocket frame). */
function utf8(text: string): ArrayBuffer {
  const encoded = new TextEncoder().encode(text);
  const copy = new Uint8Array(encoded.byteLength);
  copy.set(encoded);
  return copy.buffer;
}

/** Frames that are not valid messages, with the code and requestId the room must answer with. */
const BAD_FRAMES: ReadonlyArray<[string, string | ArrayBuffer, string, string | undefined]> = [
  ["not JSON", "{type: chat", "invalid-message", undefined],
  ["a JSON array", "[1, 2]", "invalid-message", undefined],
  ["a JSON number", "42", "invalid-message", undefined],
  ["JSON null", "null", "invalid-message", undefined],
  ["no type", '{"data":{},"requestId":"b-1"}', "invalid-message", "b-1"],
  ["a type that is not a string", '{"type":7,"data":{},"requestId":"b-2"}', "invalid-message", "b-2"],
  ["an unknown type", '{"type":"make-admin","data":{},"requestId":"b-3"}', "invalid-message", "b-3"],
  ["a prototype key as type", '{"type":"constructor","data":{},"requestId":"b-4"}', "invalid-message", "b-4"],
  ["no data", '{"type":"chat-message","requestId":"b-5"}', "invalid-message", "b-5"],
  ["data of the wrong shape", '{"type":"chat-message","data":{"text":5},"requestId":"b-6"}', "invalid-message", "b-6"],
  [
    "a relay without payload",
    '{"type":"webrtc-offer","data":{"target":"bob"},"requestId":"b-7"}',
    "invalid-message",
    "b-7",
  ],
  ["a join with no username", '{"type":"join-room","data":{"roomId":"x"},"requestId":"b-8"}', "invalid-message", "b-8"],
  ["a requestId that is not a string", '{"type":"chat-message","data":{},"requestId":5}', "invalid-message", undefined],
  ["a binary frame", utf8('{"type":"chat-message"}'), "invalid-message", undefined],
  [
    "a frame over MAX_FRAME_BYTES",
    `{"type":"chat-message","pad":"${"x".repeat(MAX_FRAME_BYTES)}"}`,
    "too-large",
    undefined,
  ],
];

describe("rule 1: invalid frames", () => {
  it.each(BAD_FRAMES)("%s gets an error reply and the socket stays open", async (_what, frame, code, requestId) => {
    const roomId = uniqueRoom("bad");
    const client = await TestClient.connect(roomId);
    client.sendRaw(frame);
    const [error] = await client.waitFor(isError(code));
    expect(error?.requestId).toBe(requestId);
    // Still open and still usable.
    expect((await client.joinAs("after-error")).data.users).toEqual(["after-error"]);
    await client.close();
  });

  it("change no state, whether sent before or after joining", async () => {
    const roomId = uniqueRoom("bad-state");
    const [alice, bob] = await joinAll(roomId, ["alice", "bob"]);
    if (!alice || !bob) throw new Error("join failed");
    await alice.sync();
    alice.inbox.length = 0;
    const stranger = await TestClient.connect(roomId);
    for (const [, frame] of BAD_FRAMES) stranger.sendRaw(frame);
    for (const [, frame] of BAD_FRAMES) bob.sendRaw(frame);
    // Bad joins, too: invalid username, foreign room, a name that is taken.
    stranger.send({ type: "join-room", data: { roomId, username: " bad name" } });
    stranger.send({ type: "join-room", data: { roomId: `${roomId}-x`, username: "mallory" } });
    stranger.send({ type: "join-room", data: { roomId, username: "bob" } });
    await stranger.waitFor(isType("error"), BAD_FRAMES.length + 3);
    await bob.waitFor(isType("error"), BAD_FRAMES.length);
    await alice.sync();
    expect(alice.inbox).toEqual([]); // nothing joined, left or was said
    // Bob is still joined and still bob.
    bob.chat("still me");
    const [chat] = await alice.waitFor(isType("chat-message"));
    expect(chat?.data.from).toBe("bob");
    expect((await stranger.joinAs("carol")).data.users).toEqual(["alice", "bob", "carol"]);
    for (const client of [alice, bob, stranger]) expect(client.malformed).toEqual([]);
    await closeAll([alice, bob, stranger]);
  });
});
