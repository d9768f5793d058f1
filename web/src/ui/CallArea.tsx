import { useEffect, useRef, useState } from "preact/hooks";
import type { TileView } from "../call/adaptiveLayers.ts";
import { useGridLayout } from "./hooks.ts";
import { Pager } from "./Pager.tsx";
import { type Arrangement, pageOf, stripThatFits, type Tile, tilesThatFit } from "./tiles.ts";
import { useContentSize } from "./useContentSize.ts";
import { VideoTile } from "./VideoTile.tsx";

/** The height the grid's pager takes below the tiles (CSS pixels; styles.css `.grid-paged`). */
const PAGER_SPACE = 52;
/** The grid's padding (styles.css `.grid`), both sides together. */
const GRID_PADDING = { width: 32, height: 16 };
/** A strip tile's width (styles.css: `.strip .tile`), and on a phone. */
const STRIP_TILE = 176;
const STRIP_TILE_PHONE = 120;
/** Room for the strip's pager (its buttons and "Page 2 of 3"). */
const STRIP_PAGER_SPACE = 200;

interface CallAreaProps {
  arrangement: Arrangement;
  /** The pinned tile's key, or null. */
  pinned: string | null;
  onPin: (key: string | null) => void;
  /** The (last) active speaker: their camera tile is on every page. */
  speaker: string | null;
  /** At most this many tiles a page (`?pageSize=`); null: as many as fit the screen. */
  maxPageSize: number | null;
  /** The connection is lost: remote tiles say so. */
  reconnecting: boolean;
  /** The tiles on screen now (`user:source`), whenever that changes. */
  onVisibleTilesChanged: (keys: string[]) => void;
  /** How one tile is shown (its size on screen, whether it is in view; null: gone), whenever that changes. */
  onTileView?: (key: string, view: TileView | null) => void;
}

interface TilesProps {
  pinned: string | null;
  onPin: (key: string | null) => void;
  reconnecting: boolean;
  onTileView: (key: string, view: TileView | null) => void;
}

function tileProps(tile: Tile, { pinned, onPin, reconnecting, onTileView }: TilesProps, canPin = true) {
  return {
    participant: tile.participant,
    source: tile.source,
    pinned: pinned === tile.key,
    onPin: canPin ? () => onPin(pinned === tile.key ? null : tile.key) : null,
    reconnecting,
    onView: (view: TileView | null) => onTileView(tile.key, view),
  };
}

interface PagingProps {
  sticky: string[];
  maxPageSize: number | null;
  onVisible: (tiles: Tile[]) => void;
}

/** Tells `onVisible` the tiles on screen whenever their set changes. */
function useVisible(tiles: Tile[], onVisible: (tiles: Tile[]) => void): void {
  const keys = tiles.map((tile) => tile.key).join("\n");
  const latest = useRef({ tiles, onVisible });
  latest.current = { tiles, onVisible };
  useEffect(() => latest.current.onVisible(latest.current.tiles), [keys]);
}

function capped(fit: number, max: number | null): number {
  return max === null ? fit : Math.min(fit, max);
}

/** Every tile the same size, as large as the area allows, a page at a time when they do not all fit. */
function GridArea({ tiles, sticky, maxPageSize, onVisible, ...props }: TilesProps & PagingProps & { tiles: Tile[] }) {
  const frame = useRef<HTMLDivElement>(null);
  const ref = useRef<HTMLDivElement>(null);
  const [index, setIndex] = useState(0);
  // The frame keeps its size whether the pager shows or not: the page size does not flip-flop.
  const size = useContentSize(frame);
  const fit =
    size.width > 0 && size.height > 0
      ? tilesThatFit(size.width - GRID_PADDING.width, size.height - GRID_PADDING.height - PAGER_SPACE)
      : tiles.length;
  const page = pageOf(tiles, capped(fit, maxPageSize), index, sticky);
  const layout = useGridLayout(ref, page.tiles.length);
  useVisible(page.tiles, onVisible);
  useEffect(() => {
    if (page.index !== index) setIndex(page.index);
  }, [page.index, index]);
  const paged = page.count > 1;
  return (
    <div class="grid-frame" ref={frame}>
      <div
        class={`grid${paged ? " grid-paged" : ""}`}
        ref={ref}
        style={{ "--columns": String(layout.columns) }}
        data-columns={layout.columns}
        data-layout="grid"
      >
        {page.tiles.map((tile) => (
          <VideoTile key={tile.key} {...tileProps(tile, props, tiles.length > 1)} width={layout.tileWidth} />
        ))}
      </div>
      {paged && <Pager index={page.index} count={page.count} onPage={setIndex} />}
    </div>
  );
}

/** One tile (a screen share, the pinned one, the speaker) takes most of the area; the rest are a strip, paged. */
function StageArea({
  stage,
  strip,
  sticky,
  maxPageSize,
  onVisible,
  ...props
}: TilesProps & PagingProps & { stage: Tile; strip: Tile[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const stripRef = useRef<HTMLDivElement>(null);
  const [index, setIndex] = useState(0);
  const layout = useGridLayout(ref, 1);
  const stripSize = useContentSize(stripRef);
  const phone = typeof window.matchMedia === "function" && window.matchMedia("(max-width: 560px)").matches;
  const fit =
    stripSize.width > 0
      ? stripThatFits(stripSize.width - STRIP_PAGER_SPACE, phone ? STRIP_TILE_PHONE : STRIP_TILE)
      : strip.length;
  // The stage tile is on screen too, so a page of the strip holds one fewer than the page size.
  const page = pageOf(strip, capped(fit, maxPageSize === null ? null : Math.max(1, maxPageSize - 1)), index, sticky);
  useVisible([stage, ...page.tiles], onVisible);
  useEffect(() => {
    if (page.index !== index) setIndex(page.index);
  }, [page.index, index]);
  const paged = page.count > 1;
  return (
    <div class="spotlight" data-layout="stage">
      <div class="spotlight-main" ref={ref}>
        <VideoTile key={stage.key} {...tileProps(stage, props)} width={layout.tileWidth} />
      </div>
      <div class={`strip-row${paged ? " strip-paged" : ""}`} ref={stripRef}>
        <div class="strip">
          {page.tiles.map((tile) => (
            <VideoTile key={tile.key} {...tileProps(tile, props)} width={null} />
          ))}
        </div>
        {paged && <Pager index={page.index} count={page.count} onPage={setIndex} variant="strip" />}
      </div>
    </div>
  );
}

/** The call's video: the grid, or the stage with a strip, as `arrange` decided; a page at a time. */
export function CallArea({
  arrangement,
  pinned,
  onPin,
  speaker,
  maxPageSize,
  reconnecting,
  onVisibleTilesChanged,
  onTileView = () => {},
}: CallAreaProps) {
  const sticky = speaker === null ? [] : [`${speaker}:camera`];
  const onVisible = (tiles: Tile[]) => onVisibleTilesChanged(tiles.map((tile) => tile.key));
  const common = { pinned, onPin, reconnecting, sticky, maxPageSize, onVisible, onTileView };
  return arrangement.kind === "grid" ? (
    <GridArea tiles={arrangement.tiles} {...common} />
  ) : (
    <StageArea stage={arrangement.stage} strip={arrangement.strip} {...common} />
  );
}
