import { describe, expect, test } from "vitest";
import { LAYER_STALL_MS, LiveLayers } from "../../media-node/src/live-layers.ts";

describe("LiveLayers: the highest simulcast layer that still flows", () => {
  test("every layer flowing: the top one", () => {
    const layers = new LiveLayers();
    expect(layers.update([10, 10, 10], 0)).toBe(2);
    expect(layers.update([20, 20, 20], 100)).toBe(2);
  });

  test("the top layer stops: the next one down, once it has been quiet for the stall time", () => {
    const layers = new LiveLayers();
    layers.update([10, 10], 0);
    expect(layers.update([20, 11], 100)).toBe(1);
    expect(layers.update([30, 11], 100 + LAYER_STALL_MS - 1)).toBe(1);
    expect(layers.update([40, 11], 100 + LAYER_STALL_MS)).toBe(0);
  });

  test("the stopped layer flows again: back up at once", () => {
    const layers = new LiveLayers();
    layers.update([10, 10], 0);
    expect(layers.update([20, 10], 1000)).toBe(0);
    expect(layers.update([30, 11], 1100)).toBe(1);
  });

  test("every layer quiet (paused, a still screen): nothing to switch to", () => {
    const layers = new LiveLayers();
    layers.update([10, 10], 0);
    expect(layers.update([10, 10], 1000)).toBeUndefined();
  });

  test("a layer with no stream yet is not live", () => {
    const layers = new LiveLayers();
    expect(layers.update([10, undefined], 0)).toBe(0);
    expect(layers.update([undefined, undefined], 100)).toBeUndefined();
  });
});
