import type { RefObject } from "preact";
import { useCallback, useEffect, useLayoutEffect, useReducer, useState } from "preact/hooks";
import type { Room } from "../call/Room.ts";
import { ROOM_STATE_EVENTS } from "../call/RoomEvent.ts";

/** Re-renders the component whenever `subscribe`'s callback fires (e.g. `media.on("change")`). */
export function useSubscription(subscribe: ((notify: () => void) => () => void) | null): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => (subscribe === null ? undefined : subscribe(() => bump(undefined))), [subscribe]);
}

/** Re-renders on every `RoomEvent` after which the room's participants, mode or status read differently. */
export function useRoomState(room: Room): void {
  useSubscription(
    useCallback(
      (notify: () => void) => {
        const offs = ROOM_STATE_EVENTS.map((event) => room.on(event, notify));
        return () => {
          for (const off of offs) off();
        };
      },
      [room],
    ),
  );
}

/** Plays a track in a <video> or <audio> element. */
export function useMediaTrack(ref: RefObject<HTMLMediaElement | null>, track: MediaStreamTrack | null): void {
  useEffect(() => {
    const element = ref.current;
    if (element === null) return;
    element.srcObject = track === null ? null : new MediaStream([track]);
    if (track !== null) element.play().catch(() => {}); // autoplay policies: muted video always plays
    return () => {
      element.srcObject = null;
    };
  }, [ref, track]);
}

export interface GridLayout {
  columns: number;
  tileWidth: number;
}

const ASPECT = 16 / 9;

/**
 * The largest 16:9 tile size that fits `count` tiles in the element (a best-fit over column
 * counts), recomputed when the element resizes. Works from phone portrait to wide desktop.
 */
export function useGridLayout(ref: RefObject<HTMLElement | null>, count: number, gap = 10): GridLayout {
  const [layout, setLayout] = useState<GridLayout>({ columns: 1, tileWidth: 320 });
  useLayoutEffect(() => {
    const element = ref.current;
    if (element === null) return;
    const compute = () => {
      const style = getComputedStyle(element);
      const width = element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      const height = element.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
      const n = Math.max(1, count);
      let best: GridLayout = { columns: 1, tileWidth: 0 };
      for (let columns = 1; columns <= n; columns++) {
        const rows = Math.ceil(n / columns);
        const byWidth = (width - gap * (columns - 1)) / columns;
        const byHeight = ((height - gap * (rows - 1)) / rows) * ASPECT;
        const tileWidth = Math.floor(Math.min(byWidth, byHeight));
        if (tileWidth > best.tileWidth) best = { columns, tileWidth };
      }
      setLayout((previous) =>
        previous.columns === best.columns && previous.tileWidth === best.tileWidth ? previous : best,
      );
    };
    compute();
    const observer = new ResizeObserver(compute);
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref, count, gap]);
  return layout;
}
