import type { RefObject } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { TileView } from "../call/adaptiveLayers.ts";

/**
 * Reports how a tile is shown (adaptive layers): its height on screen in device pixels
 * (ResizeObserver, times devicePixelRatio) and whether any of it is inside the viewport
 * (IntersectionObserver); null once it unmounts. `report` may change between renders.
 */
export function useTileView(ref: RefObject<HTMLElement | null>, report: ((view: TileView | null) => void) | null) {
  const latest = useRef(report);
  latest.current = report;
  useEffect(() => {
    const element = ref.current;
    if (element === null) return;
    const view: TileView = { height: 0, onScreen: true };
    const tell = () => latest.current?.({ ...view });
    const resizes = new ResizeObserver(([entry]) => {
      const height = entry?.contentRect.height ?? element.clientHeight;
      view.height = Math.round(height * (window.devicePixelRatio || 1));
      tell();
    });
    const sightings = new IntersectionObserver(([entry]) => {
      view.onScreen = entry?.isIntersecting ?? true;
      tell();
    });
    resizes.observe(element);
    sightings.observe(element);
    return () => {
      resizes.disconnect();
      sightings.disconnect();
      latest.current?.(null);
    };
  }, [ref]);
}
