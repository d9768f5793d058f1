import { useContext, useEffect, useState } from "preact/hooks";
import { RoomEvent } from "../call/RoomEvent.ts";
import { LEVEL_BARS, litBars } from "./levels.ts";
import { PresenceContext } from "./presence.ts";

/**
 * A participant's audio level as three bars, from the room's WebRTC audio levels (inbound-rtp
 * for others, the microphone's media-source for us), updated a few times a second. Decoration
 * only: hidden from screen readers (the mute badge and "speaking" say it in words).
 */
export function LevelBars({ user, muted }: { user: string; muted: boolean }) {
  const { room } = useContext(PresenceContext);
  const [lit, setLit] = useState(0);
  useEffect(() => {
    if (room === null) return;
    setLit(litBars(room.audioLevel(user)));
    return room.on(RoomEvent.AudioLevels, () => setLit(litBars(room.audioLevel(user))));
  }, [room, user]);
  const shown = muted ? 0 : lit;
  return (
    <span class="level-bars" aria-hidden="true" data-level={shown}>
      {Array.from({ length: LEVEL_BARS }, (_, i) => (
        <span key={i} class={`level-bar${i < shown ? " level-bar-on" : ""}`} />
      ))}
    </span>
  );
}
