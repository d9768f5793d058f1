import type { Participant } from "../call/RoomEvent.ts";

export interface Tile {
  key: string;
  participant: Participant;
  source: "camera" | "screen";
}

export type ViewMode = "grid" | "speaker";

/** What the call area shows: every tile in a grid, or one tile on the stage and the rest in a strip. */
export type Arrangement = { kind: "grid"; tiles: Tile[] } | { kind: "stage"; stage: Tile; strip: Tile[] };

/** Screen shares first (they carry the detail), then every participant's camera tile. */
export function tilesOf(participants: Participant[]): Tile[] {
  const screens = participants
    .filter((p) => p.media.screen && p.tracks.screen !== null)
    .map((p): Tile => ({ key: `${p.username}:screen`, participant: p, source: "screen" }));
  // Someone who may not publish (a viewer) and sends nothing still has a tile: they are in the call.
  const cameras = participants.map((p): Tile => ({ key: `${p.username}:camera`, participant: p, source: "camera" }));
  return [...screens, ...cameras];
}

/**
 * Which tile gets the stage: the pinned one; else a screen share (in either view: it carries the
 * detail); else, in speaker view, the last remote speaker (or the first remote camera, or ours).
 * With nothing to stage, the grid.
 */
export function arrange(tiles: Tile[], view: ViewMode, pinned: string | null, lastSpeaker: string | null): Arrangement {
  const byKey = (key: string | null) => (key === null ? undefined : tiles.find((t) => t.key === key));
  const speakerView = () =>
    view !== "speaker"
      ? undefined
      : (byKey(lastSpeaker === null ? null : `${lastSpeaker}:camera`) ??
        tiles.find((t) => t.source === "camera" && !t.participant.isLocal) ??
        tiles.find((t) => t.source === "camera"));
  const stage = byKey(pinned) ?? tiles.find((t) => t.source === "screen") ?? speakerView();
  if (stage === undefined || tiles.length < 2) return { kind: "grid", tiles };
  return { kind: "stage", stage, strip: tiles.filter((t) => t !== stage) };
}

/** One page of tiles, and where it is among the pages. */
export interface TilePage {
  tiles: Tile[];
  /** 0-based, within [0, count - 1]. */
  index: number;
  count: number;
}

/**
 * Page `index` of `tiles` at `size` tiles a page. The `sticky` tiles (the active speaker) are on
 * every page, so the others fill `size - sticky` places a page; the order stays the tiles' own.
 * An index past the end shows the last page (someone left); fewer than `size` tiles: one page.
 */
export function pageOf(tiles: Tile[], size: number, index: number, sticky: readonly string[] = []): TilePage {
  const perPage = Math.max(1, Math.floor(size));
  if (tiles.length <= perPage) return { tiles, index: 0, count: 1 };
  const kept = new Set(sticky.filter((key) => tiles.some((t) => t.key === key)).slice(0, perPage - 1));
  const rest = tiles.filter((t) => !kept.has(t.key));
  const places = perPage - kept.size;
  const count = Math.ceil(rest.length / places);
  const clamped = Math.min(Math.max(0, Math.floor(index)), count - 1);
  const onPage = new Set(rest.slice(clamped * places, (clamped + 1) * places).map((t) => t.key));
  return { tiles: tiles.filter((t) => kept.has(t.key) || onPage.has(t.key)), index: clamped, count };
}

/** The smallest tile worth showing (CSS pixels wide; 16:9): below it a page holds fewer tiles. */
export const MIN_TILE_WIDTH = 200;

/**
 * How many tiles of at least `minWidth` (16:9, `gap` apart) fit an area of `width` x `height`:
 * the page size of a grid (at least 1).
 */
export function tilesThatFit(width: number, height: number, minWidth = MIN_TILE_WIDTH, gap = 10): number {
  const columns = Math.floor((width + gap) / (minWidth + gap));
  const rows = Math.floor((height + gap) / ((minWidth * 9) / 16 + gap));
  return Math.max(1, columns * Math.max(1, rows));
}

/** How many tiles of `tileWidth` (`gap` apart) fit a strip `width` long (at least 1). */
export function stripThatFits(width: number, tileWidth: number, gap = 10): number {
  return Math.max(1, Math.floor((width + gap) / (tileWidth + gap)));
}

/** `?pageSize=N` in the address (1 to 49): at most N tiles a page (tests, small screens); else null. */
export function pageSizeOption(search: string): number | null {
  const raw = new URLSearchParams(search).get("pageSize");
  if (raw === null || !/^\d{1,2}$/.test(raw)) return null;
  const size = Number(raw);
  return size >= 1 ? size : null;
}
