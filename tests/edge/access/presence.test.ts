import { describe, expect, it } from "vitest";
import { closeAll, isType, TestClient, uniqueRoom } from "../client.ts";
import { admin, mint } from "./tokens.ts";

/** Sends `message` with a fresh requestId and resolves with the first reply carrying it. */
async function answer(client: TestClient, message: Record<string, unknown>) {
  const requestId = `r-${crypto.randomUUID()}`;
  client.send({ ...message, requestId });
  const [reply] = await client.waitFor((m) => m.requestId === requestId);
  if (reply === undefined) throw new Error("unreachable: waited for the reply");
  return reply;
}

const codeOf = (reply: Awaited<ReturnType<typeof answer>>) => (reply.type === "error" ? reply.data.code : reply.type);
const raise = { type: "raise-hand", data: {} };

describe("presence and grants", () => {
  it("a moderator may lower someone else's hand: everyone sees hand-lowered with by", async () => {
    const roomId = uniqueRoom("hands");
    const { client: mod } = await TestClient.join(roomId, "mod", await admin(roomId, "mod"));
    const { client: ann } = await TestClient.join(roomId, "ann", await mint({ room: roomId, user: "ann" }));
    const { client: ben } = await TestClient.join(roomId, "ben", await mint({ room: roomId, user: "ben" }));
    await answer(ann, raise);
    await mod.waitFor(isType("hand-raised"));
    // Ben is no moderator: refused, the hand stays up.
    expect(codeOf(await answer(ben, { type: "lower-hand", data: { user: "ann" } }))).toBe("unauthorized");
    const lowered = await answer(mod, { type: "lower-hand", data: { user: "ann" } });
    expect(lowered.data).toEqual({ user: "ann", by: "mod" });
    const [atAnn] = await ann.waitFor(isType("hand-lowered"));
    expect(atAnn).toEqual({ type: "hand-lowered", data: { user: "ann", by: "mod" } });
    await ben.waitFor(isType("hand-lowered"));
    // Someone not in the room is unknown-target, even to a moderator.
    expect(codeOf(await answer(mod, { type: "lower-hand", data: { user: "ghost" } }))).toBe("unknown-target");
    const { client: late, joined } = await TestClient.join(roomId, "late", await mint({ room: roomId, user: "late" }));
    expect(joined.data.hands).toEqual([]);
    await closeAll([mod, ann, ben, late]);
  });

  it("hidden participants can neither raise a hand nor react, and a moderator cannot reach them by name", async () => {
    const roomId = uniqueRoom("hands");
    const { client: mod } = await TestClient.join(roomId, "mod", await admin(roomId, "mod"));
    const { client: bot } = await TestClient.join(
      roomId,
      "bot",
      await mint({ room: roomId, user: "bot", grant: { hidden: true } }),
    );
    expect(codeOf(await answer(bot, raise))).toBe("unauthorized");
    expect(codeOf(await answer(bot, { type: "send-reaction", data: { reaction: "heart" } }))).toBe("unauthorized");
    expect(codeOf(await answer(mod, { type: "lower-hand", data: { user: "bot" } }))).toBe("unknown-target");
    await mod.sync();
    expect(mod.inbox.filter((m) => m.type === "hand-raised" || m.type === "reaction")).toEqual([]);
    await closeAll([mod, bot]);
  });

  it("reactions need canPublishData (like chat); a hand does not: a viewer muted in chat may still ask to speak", async () => {
    const roomId = uniqueRoom("hands");
    const token = await mint({ room: roomId, user: "quiet", grant: { canPublishData: false, canPublish: false } });
    const { client: quiet } = await TestClient.join(roomId, "quiet", token);
    const { client: other } = await TestClient.join(roomId, "other", await mint({ room: roomId, user: "other" }));
    expect(codeOf(await answer(quiet, { type: "send-reaction", data: { reaction: "clap" } }))).toBe("unauthorized");
    expect(codeOf(await answer(quiet, raise))).toBe("hand-raised");
    await other.sync();
    expect(other.count(isType("reaction"))).toBe(0);
    expect(other.count(isType("hand-raised"))).toBe(1);
    await closeAll([quiet, other]);
  });
});
