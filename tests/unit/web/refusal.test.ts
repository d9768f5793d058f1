import { CLOSE_DENIED, CLOSE_JOIN_TIMEOUT, CLOSE_REMOVED, CLOSE_ROOM_ENDED } from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import { controlsState, OPEN_ROOM_PERMISSIONS, type Permissions } from "../../../web/src/call/permissions.ts";
import { translate } from "../../../web/src/i18n/index.ts";
import { SignalingError } from "../../../web/src/signaling/errors.ts";
import { finalCloseError, type Refusal, refusalOf } from "../../../web/src/signaling/refusal.ts";

/** The refusal screen's title as an English reader sees it. */
const title = (refusal: Refusal | null) => (refusal === null ? null : translate("en", refusal.title));

describe("refusalOf: which screen a failure gets", () => {
  const kind = (code: SignalingError["code"], message = "x") => refusalOf(new SignalingError(code, message))?.kind;

  it("an unauthorized join names what was wrong with the token, with the server's words", () => {
    expect(kind("unauthorized", "the token has expired")).toBe("expired");
    expect(kind("unauthorized", "the token is for room 'other', not this one")).toBe("wrong-room");
    const bad = refusalOf(new SignalingError("unauthorized", "the token's signature is wrong"));
    expect(bad).toMatchObject({ kind: "unauthorized", detail: "the token's signature is wrong" });
    expect(title(bad)).toBe("You cannot join this room");
  });

  it("the edge's error.reason decides over the words", () => {
    const byReason = (reason: string, message = "worded differently") =>
      refusalOf(new SignalingError("unauthorized", message, reason))?.kind;
    expect(byReason("expired")).toBe("expired");
    expect(byReason("wrong-room")).toBe("wrong-room");
    expect(byReason("bad-signature", "mentions expired but is not")).toBe("unauthorized");
  });

  it("a moderator's decisions each have their own screen", () => {
    expect(kind("removed")).toBe("removed");
    expect(kind("room-locked")).toBe("room-locked");
    expect(kind("join-denied")).toBe("denied");
    expect(kind("room-ended")).toBe("room-ended");
    expect(title(refusalOf(new SignalingError("removed", "x")))).toBe("You were removed from the call");
    expect(title(refusalOf(new SignalingError("room-ended", "x")))).toBe("The call has ended");
  });

  it("what the person can fix in the lobby (or the network) is no refusal", () => {
    for (const code of ["username-taken", "room-full", "connection-failed", "timeout", "rate-limited"] as const) {
      expect(kind(code), code).toBeUndefined();
    }
    expect(refusalOf(new Error("boom"))).toBeNull();
  });
});

describe("finalCloseError: close codes that end a membership for good", () => {
  it("4010 removed, 4011 ended, 4012 denied; any other code is not final", () => {
    expect(finalCloseError(CLOSE_REMOVED)?.code).toBe("removed");
    expect(finalCloseError(CLOSE_ROOM_ENDED)?.code).toBe("room-ended");
    expect(finalCloseError(CLOSE_DENIED)?.code).toBe("join-denied");
    for (const code of [1000, 1006, 1011, CLOSE_JOIN_TIMEOUT, 4000])
      expect(finalCloseError(code), `${code}`).toBeUndefined();
  });
});

describe("controlsState: the call's controls under the grants", () => {
  const grants = (change: Partial<Permissions>): Permissions => ({ ...OPEN_ROOM_PERMISSIONS, ...change });

  it("an open room allows every source and the chat, and no moderation", () => {
    expect(controlsState(OPEN_ROOM_PERMISSIONS)).toEqual({
      microphone: true,
      camera: true,
      screen: true,
      chat: true,
      moderate: false,
      record: false,
    });
  });

  it("a viewer may not send anything but may chat; a hidden participant may do neither", () => {
    expect(controlsState(grants({ canPublish: false }))).toMatchObject({
      microphone: false,
      camera: false,
      screen: false,
      chat: true,
    });
    expect(controlsState(grants({ hidden: true }))).toMatchObject({ microphone: false, chat: false });
  });

  it("canPublishSources limits the sources (screen_share is the screen)", () => {
    expect(controlsState(grants({ canPublishSources: ["microphone"] }))).toMatchObject({
      microphone: true,
      camera: false,
      screen: false,
    });
    expect(controlsState(grants({ canPublishSources: ["screen_share", "camera"] }))).toMatchObject({
      microphone: false,
      camera: true,
      screen: true,
    });
  });

  it("no canPublishData: no chat; roomAdmin: the moderator controls", () => {
    expect(controlsState(grants({ canPublishData: false })).chat).toBe(false);
    expect(controlsState(grants({ roomAdmin: true })).moderate).toBe(true);
  });
});
