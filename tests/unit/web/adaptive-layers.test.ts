import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  AdaptiveLayers,
  CAMERA_PRIORITY,
  LAYER_DEBOUNCE_MS,
  layerForHeight,
  SCREEN_PRIORITY,
  TOP_LAYER,
} from "../../../web/src/call/adaptiveLayers.ts";

describe("layerForHeight", () => {
  it.each([
    [0, 0],
    [180, 0],
    [240, 0],
    [241, 1],
    [480, 1],
    [481, 2],
    [1440, 2],
  ])("a tile %i device pixels tall gets layer %i", (height, layer) => {
    expect(layerForHeight(height)).toBe(layer);
  });
});

describe("AdaptiveLayers", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("picks the layer from the tile's height, pauses what is not shown, and debounces", () => {
    const onChange = vi.fn();
    const layers = new AdaptiveLayers(onChange);
    // Not measured, nothing said about visibility: the top layer, as the node starts.
    expect(layers.wishFor("bob", "camera")).toEqual({
      paused: false,
      spatialLayer: TOP_LAYER,
      priority: CAMERA_PRIORITY,
    });

    layers.setVisibleTiles(["bob:camera", "carol:camera"]);
    layers.setTileView("bob:camera", { height: 200, onScreen: true });
    layers.setTileView("bob:camera", { height: 210, onScreen: true });
    layers.setTileView("carol:camera", { height: 720, onScreen: true });
    expect(onChange).not.toHaveBeenCalled();
    vi.advanceTimersByTime(LAYER_DEBOUNCE_MS);
    expect(onChange).toHaveBeenCalledTimes(1); // many changes, one look
    expect(layers.wishFor("bob", "camera")).toEqual({ paused: false, spatialLayer: 0, priority: CAMERA_PRIORITY });
    expect(layers.wishFor("carol", "camera").spatialLayer).toBe(2);

    // A resize within the same band changes no wish: no look.
    layers.setTileView("bob:camera", { height: 230, onScreen: true });
    vi.advanceTimersByTime(LAYER_DEBOUNCE_MS);
    expect(onChange).toHaveBeenCalledTimes(1);

    // Another page of the grid: carol's tile is not rendered, so her video pauses.
    layers.setVisibleTiles(["bob:camera"]);
    vi.advanceTimersByTime(LAYER_DEBOUNCE_MS);
    expect(onChange).toHaveBeenCalledTimes(2);
    expect(layers.wishFor("carol", "camera").paused).toBe(true);

    // Scrolled out of view (IntersectionObserver): paused too.
    layers.setTileView("bob:camera", { height: 230, onScreen: false });
    expect(layers.wishFor("bob", "camera").paused).toBe(true);
    layers.close();
  });

  it("gives a screen share the top layer and a high priority whatever its size", () => {
    const layers = new AdaptiveLayers(() => {});
    layers.setVisibleTiles(["bob:screen"]);
    layers.setTileView("bob:screen", { height: 100, onScreen: true });
    expect(layers.wishFor("bob", "screen")).toEqual({
      paused: false,
      spatialLayer: TOP_LAYER,
      priority: SCREEN_PRIORITY,
    });
    expect(SCREEN_PRIORITY).toBeGreaterThan(CAMERA_PRIORITY);
    layers.close();
  });
});
