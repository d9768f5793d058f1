import { describe, expect, it } from "vitest";
import type { Participant } from "../../../web/src/call/RoomEvent.ts";
import { checkRoomId, checkUsername } from "../../../web/src/ui/lobbyValidation.ts";
import { arrange, tilesOf } from "../../../web/src/ui/tiles.ts";

const message = (verdict: ReturnType<typeof checkUsername>) => (verdict.ok ? null : verdict.message);

describe("the lobby's checks say what is wrong, never change the text", () => {
  it("accepts what the protocol accepts", () => {
    for (const name of ["alice", "Анна Мария", "jean-luc.p", "a".repeat(32), "e\u0301mile"])
      expect(checkUsername(name)).toEqual({ ok: true });
    for (const room of ["team-sync", "A_1", "r".repeat(64)]) expect(checkRoomId(room)).toEqual({ ok: true });
  });

  it("names the length, the spaces at the ends and the characters that cannot be used", () => {
    expect(message(checkUsername("a".repeat(40)))).toBe("Too long: 40 characters, at most 32.");
    expect(message(checkUsername(" alice "))).toBe("Remove the spaces at the start and end.");
    expect(message(checkUsername(" alice"))).toBe("Remove the space at the start.");
    expect(message(checkUsername("alice "))).toBe("Remove the space at the end.");
    expect(message(checkUsername("al  ice"))).toBe("Use single spaces between words.");
    expect(message(checkUsername("alice!<"))).toContain("“!”, “<” cannot be used");
    expect(message(checkUsername("al\u200bice"))).toContain("U+200B cannot be used");
    expect(message(checkRoomId("r".repeat(300)))).toBe("Too long: 300 characters, at most 64.");
    expect(message(checkRoomId(" team"))).toBe("Remove the space at the start.");
    expect(message(checkRoomId("team sync"))).toContain("Spaces cannot be used");
    expect(message(checkRoomId("café/1"))).toContain("“é”, “/” cannot be used");
  });

  it("treats an empty field as not yet filled in, not as an error to show", () => {
    expect(checkUsername("")).toMatchObject({ ok: false, empty: true });
    expect(checkRoomId("")).toMatchObject({ ok: false, empty: true });
    expect(checkUsername("x".repeat(33))).toMatchObject({ ok: false, empty: false });
  });
});

function person(username: string, options: { local?: boolean; screen?: boolean } = {}): Participant {
  const track = {} as MediaStreamTrack;
  return {
    username,
    name: username,
    permissions: undefined,
    isLocal: options.local === true,
    media: { microphone: true, camera: true, screen: options.screen === true },
    tracks: { microphone: null, camera: track, screen: options.screen === true ? track : null },
    link: options.local === true ? null : "connected",
    speaking: false,
    quality: null,
    hand: null,
  };
}

describe("which tile gets the stage", () => {
  const me = person("me", { local: true });
  const ann = person("ann");
  const bo = person("bo");

  it("is the grid with nothing shared or pinned", () => {
    expect(arrange(tilesOf([me, ann, bo]), "grid", null, null).kind).toBe("grid");
  });

  it("gives a screen share the stage and puts every camera in the strip", () => {
    const result = arrange(tilesOf([me, person("ann", { screen: true }), bo]), "grid", null, null);
    expect(result.kind === "stage" && result.stage.key).toBe("ann:screen");
    expect(result.kind === "stage" && result.strip.map((t) => t.key)).toEqual(["me:camera", "ann:camera", "bo:camera"]);
  });

  it("prefers a pin over a screen share, and ignores a pin whose tile is gone", () => {
    const tiles = tilesOf([me, person("ann", { screen: true }), bo]);
    const pinned = arrange(tiles, "grid", "bo:camera", null);
    expect(pinned.kind === "stage" && pinned.stage.key).toBe("bo:camera");
    const gone = arrange(tiles, "grid", "zed:camera", null);
    expect(gone.kind === "stage" && gone.stage.key).toBe("ann:screen");
  });

  it("in speaker view stages the last remote speaker, else the first remote camera", () => {
    const tiles = tilesOf([me, ann, bo]);
    const spoke = arrange(tiles, "speaker", null, "bo");
    expect(spoke.kind === "stage" && spoke.stage.key).toBe("bo:camera");
    const silent = arrange(tiles, "speaker", null, null);
    expect(silent.kind === "stage" && silent.stage.key).toBe("ann:camera");
  });

  it("keeps a lone tile in the grid (nothing to put in a strip)", () => {
    expect(arrange(tilesOf([me]), "speaker", "me:camera", null).kind).toBe("grid");
  });
});
