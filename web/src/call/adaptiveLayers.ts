import type { TrackSource } from "./types.ts";

/**
 * Receiver-driven layers (adaptive stream): what each remote video should be received as, from
 * how the call screen shows it. A tile's height on screen in device pixels picks the simulcast
 * layer; a tile that is not shown (another page of the grid, scrolled away, or the tab hidden)
 * pauses its consumer; a screen share always gets the top layer and a high priority. The SFU
 * engine turns the wishes into `set-consumer-layers`, `pause-consumer` and `resume-consumer`.
 */

/** The top spatial layer a camera sends (three simulcast layers: 0, 1, 2). */
export const TOP_LAYER = 2;
/** Consumer priorities (mediasoup's 1-255): a screen share gets the downlink before cameras. */
export const CAMERA_PRIORITY = 1;
export const SCREEN_PRIORITY = 200;
/** How long tile changes are gathered before the wishes are applied (a resize fires many). */
export const LAYER_DEBOUNCE_MS = 300;

/** What we want of one remote video. */
export interface ReceiveWish {
  paused: boolean;
  spatialLayer: number;
  priority: number;
}

/** How a tile is shown: its height in device pixels, and whether any of it is on screen. */
export interface TileView {
  height: number;
  onScreen: boolean;
}

/** The layer for a tile this many device pixels tall: 180p, 360p or 720p, whichever covers it. */
export function layerForHeight(height: number): number {
  if (height <= 240) return 0;
  if (height <= 480) return 1;
  return TOP_LAYER;
}

/** Whether the page is hidden (another tab, minimised): nothing is seen then. */
function pageHidden(): boolean {
  return typeof document !== "undefined" && document.visibilityState === "hidden";
}

/**
 * What the call screen shows, and the wish it makes for each remote video. Owned by the Room;
 * `onChange` is called (debounced) whenever any wish may have changed.
 */
export class AdaptiveLayers {
  readonly #views = new Map<string, TileView>();
  #visible: ReadonlySet<string> | null = null;
  #hidden = pageHidden();
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onChange: () => void;
  readonly #onVisibility = () => {
    const hidden = pageHidden();
    if (hidden === this.#hidden) return;
    this.#hidden = hidden;
    this.#changed();
  };

  constructor(onChange: () => void) {
    this.#onChange = onChange;
    if (typeof document !== "undefined") document.addEventListener("visibilitychange", this.#onVisibility);
  }

  /** The tiles the call screen renders (`user:source`; the pager's other pages are not among them). */
  setVisibleTiles(keys: readonly string[]): void {
    this.#visible = new Set(keys);
    this.#changed();
  }

  /** How one tile is shown now; null when it went away. */
  setTileView(key: string, view: TileView | null): void {
    const before = this.#views.get(key);
    if (view === null) this.#views.delete(key);
    else this.#views.set(key, view);
    if (view === null || before === undefined || !sameWish(view, before)) this.#changed();
  }

  /** The wish for `user`'s `source` video now. */
  wishFor(user: string, source: TrackSource): ReceiveWish {
    const key = `${user}:${source}`;
    const view = this.#views.get(key);
    const notShown = this.#visible !== null && !this.#visible.has(key);
    const paused = this.#hidden || notShown || view?.onScreen === false;
    if (source === "screen") return { paused, spatialLayer: TOP_LAYER, priority: SCREEN_PRIORITY };
    // A tile not measured yet (just rendered) gets the top layer, mediasoup's default, until it is.
    const spatialLayer = view === undefined ? TOP_LAYER : layerForHeight(view.height);
    return { paused, spatialLayer, priority: CAMERA_PRIORITY };
  }

  close(): void {
    clearTimeout(this.#timer);
    if (typeof document !== "undefined") document.removeEventListener("visibilitychange", this.#onVisibility);
  }

  #changed(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#onChange();
    }, LAYER_DEBOUNCE_MS);
  }
}

/** Two views that make the same wish (a resize within one layer's band changes nothing). */
function sameWish(a: TileView, b: TileView): boolean {
  return a.onScreen === b.onScreen && layerForHeight(a.height) === layerForHeight(b.height);
}
