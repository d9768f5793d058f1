import { describe, expect, it } from "vitest";
import type { Participant } from "../../../web/src/call/RoomEvent.ts";
import {
  arrange,
  pageOf,
  pageSizeOption,
  stripThatFits,
  type Tile,
  tilesOf,
  tilesThatFit,
} from "../../../web/src/ui/tiles.ts";

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

const names = ["me", "ann", "bo", "cy", "di", "ed", "flo"];
const tiles = tilesOf(names.map((name, i) => person(name, { local: i === 0 })));
const keys = (list: Tile[]) => list.map((tile) => tile.participant.username);

describe("paging the tiles of a large room", () => {
  it("splits the tiles into pages of the page size, in their order", () => {
    expect(keys(pageOf(tiles, 3, 0).tiles)).toEqual(["me", "ann", "bo"]);
    expect(keys(pageOf(tiles, 3, 1).tiles)).toEqual(["cy", "di", "ed"]);
    expect(pageOf(tiles, 3, 2)).toMatchObject({ index: 2, count: 3 });
    expect(keys(pageOf(tiles, 3, 2).tiles)).toEqual(["flo"]);
    // Every tile is on exactly one page.
    const seen = [0, 1, 2].flatMap((index) => keys(pageOf(tiles, 3, index).tiles));
    expect(seen.sort()).toEqual([...names].sort());
  });

  it("is one page when everyone fits", () => {
    expect(pageOf(tiles, 7, 0)).toEqual({ tiles, index: 0, count: 1 });
    expect(pageOf(tiles, 20, 3)).toEqual({ tiles, index: 0, count: 1 });
  });

  it("shows the last page when the index is past the end (people left), the first below zero", () => {
    expect(pageOf(tiles, 2, 9)).toMatchObject({ index: 3, count: 4 });
    expect(keys(pageOf(tiles, 2, 9).tiles)).toEqual(["flo"]);
    expect(pageOf(tiles, 2, -1).index).toBe(0);
    const fewer = tiles.slice(0, 4);
    expect(pageOf(fewer, 2, 3)).toMatchObject({ index: 1, count: 2 });
  });

  it("keeps the active speaker on every page, the others filling the remaining places", () => {
    const sticky = ["ed:camera"];
    const pages = [0, 1, 2].map((index) => pageOf(tiles, 3, index, sticky));
    expect(pages.map((page) => page.count)).toEqual([3, 3, 3]);
    for (const page of pages) {
      expect(keys(page.tiles)).toContain("ed");
      expect(page.tiles.length).toBeLessThanOrEqual(3);
    }
    expect(keys(pages[0]?.tiles ?? [])).toEqual(["me", "ann", "ed"]);
    expect(keys(pages[1]?.tiles ?? [])).toEqual(["bo", "cy", "ed"]);
    expect(keys(pages[2]?.tiles ?? [])).toEqual(["di", "ed", "flo"]);
    // A speaker who left, or a page size of one, cannot crowd out everyone else.
    expect(keys(pageOf(tiles, 3, 0, ["zed:camera"]).tiles)).toEqual(["me", "ann", "bo"]);
    expect(keys(pageOf(tiles, 1, 1, ["ed:camera"]).tiles)).toEqual(["ann"]);
  });

  it("pages the strip while the stage (a screen share) stays outside it", () => {
    const withShare = tilesOf(names.map((name, i) => person(name, { local: i === 0, screen: name === "bo" })));
    const arrangement = arrange(withShare, "grid", null, null);
    if (arrangement.kind !== "stage") throw new Error("no stage");
    expect(arrangement.stage.key).toBe("bo:screen");
    const strip = pageOf(arrangement.strip, 3, 1);
    expect(strip.count).toBe(3);
    expect(strip.tiles.map((tile) => tile.key)).not.toContain("bo:screen");
  });
});

describe("the page size that fits the screen", () => {
  it("counts the 16:9 tiles of at least 200 px that fit the area", () => {
    // 1280 x 560: 6 columns of 200 (+10 gaps), 4 rows of 112.5 (+10).
    expect(tilesThatFit(1280, 560)).toBe(24);
    expect(tilesThatFit(1280, 560, 400)).toBe(6);
    expect(tilesThatFit(374, 600)).toBe(4); // a phone in portrait: one column of four
    // Never less than one, however small.
    expect(tilesThatFit(50, 20)).toBe(1);
    expect(tilesThatFit(0, 0)).toBe(1);
  });

  it("counts the strip's tiles", () => {
    expect(stripThatFits(1000, 176)).toBe(5);
    expect(stripThatFits(100, 176)).toBe(1);
  });

  it("takes ?pageSize= from the address when it is a small whole number", () => {
    expect(pageSizeOption("?room=a&pageSize=2")).toBe(2);
    expect(pageSizeOption("?pageSize=49")).toBe(49);
    for (const bad of ["", "?pageSize=0", "?pageSize=-2", "?pageSize=1.5", "?pageSize=x", "?pageSize=100"])
      expect(pageSizeOption(bad)).toBeNull();
  });
});
