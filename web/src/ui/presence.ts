import type { Reaction } from "@huddle/protocol";
import { createContext } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Room } from "../call/Room.ts";
import { RoomEvent } from "../call/RoomEvent.ts";

/** How long a reaction floats over its sender's tile. */
export const REACTION_SHOW_MS = 4000;
/** Most reactions shown at once over one tile (older ones give way). */
const MAX_PER_USER = 4;

export interface ActiveReaction {
  id: number;
  user: string;
  reaction: Reaction;
}

/** What the tiles show of presence: the room (audio levels) and the reactions floating now. */
export interface PresenceView {
  room: Room | null;
  reactions: readonly ActiveReaction[];
}

/** Given by the call view to every tile below it (so the tiles need no new props). */
export const PresenceContext = createContext<PresenceView>({ room: null, reactions: [] });

/** The reactions to show now: each arrives with `RoomEvent.Reaction` and goes after REACTION_SHOW_MS. */
export function useReactions(room: Room): ActiveReaction[] {
  const [active, setActive] = useState<ActiveReaction[]>([]);
  const nextId = useRef(0);
  useEffect(() => {
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const off = room.on(RoomEvent.Reaction, (user, reaction) => {
      const id = ++nextId.current;
      setActive((list) => [...keepLatest(list, user, MAX_PER_USER - 1), { id, user, reaction }]);
      const timer = setTimeout(() => {
        timers.delete(timer);
        setActive((list) => list.filter((r) => r.id !== id));
      }, REACTION_SHOW_MS);
      timers.add(timer);
    });
    return () => {
      off();
      for (const timer of timers) clearTimeout(timer);
    };
  }, [room]);
  return active;
}

/** `list` with at most `keep` of `user`'s reactions (the newest), everyone else's untouched. */
export function keepLatest(list: readonly ActiveReaction[], user: string, keep: number): ActiveReaction[] {
  const mine = list.filter((r) => r.user === user);
  const drop = new Set(mine.slice(0, Math.max(0, mine.length - keep)).map((r) => r.id));
  return list.filter((r) => !drop.has(r.id));
}
