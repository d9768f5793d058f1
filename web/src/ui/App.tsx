import { useEffect, useState } from "preact/hooks";
import { LocalMedia } from "../call/LocalMedia.ts";
import type { Room } from "../call/Room.ts";
import type { ClientConfig } from "../config.ts";
import { CallView } from "./CallView.tsx";
import { Lobby } from "./Lobby.tsx";

const WORDS = ["amber", "brisk", "cedar", "delta", "ember", "fjord", "grove", "harbor", "indigo", "juniper"];

function randomRoomName(): string {
  const pick = () => WORDS[Math.floor(Math.random() * WORDS.length)] ?? "room";
  return `${pick()}-${pick()}-${Math.floor(100 + Math.random() * 900)}`;
}

function savedName(): string {
  try {
    return localStorage.getItem("huddle.name") ?? "";
  } catch {
    return "";
  }
}

/** Keeps `?room=` in the address bar so a reload or a copied URL lands in the same room. */
function showRoomInUrl(roomId: string | null): void {
  const url = new URL(window.location.href);
  if (roomId === null) url.searchParams.delete("room");
  else url.searchParams.set("room", roomId);
  history.replaceState(null, "", url);
}

declare global {
  interface Window {
    /** Read-only hooks for tests and debugging: the call mode and remote video decoding progress. */
    __huddle?: {
      mode: () => string | null;
      inboundVideo: Room["inboundVideoStats"];
      outboundVideo: Room["outboundVideoStats"];
    };
  }
}

export function App({ config }: { config: Promise<ClientConfig> }) {
  const [media, setMedia] = useState(() => new LocalMedia());
  const [room, setRoom] = useState<Room | null>(null);
  const [lastRoom, setLastRoom] = useState(
    () => new URLSearchParams(window.location.search).get("room") ?? randomRoomName(),
  );

  useEffect(() => {
    if (room === null) return;
    showRoomInUrl(room.roomId);
    window.__huddle = {
      mode: () => room.mode,
      inboundVideo: () => room.inboundVideoStats(),
      outboundVideo: () => room.outboundVideoStats(),
    };
    const onUnload = () => room.leave();
    window.addEventListener("pagehide", onUnload);
    return () => {
      window.removeEventListener("pagehide", onUnload);
      window.__huddle = undefined;
    };
  }, [room]);

  const leave = () => {
    if (room === null) return;
    room.leave();
    media.close();
    setLastRoom(room.roomId);
    setMedia(new LocalMedia());
    setRoom(null);
  };

  if (room !== null) return <CallView room={room} onLeave={leave} />;
  return (
    <Lobby
      key={lastRoom}
      media={media}
      config={config}
      initialRoom={lastRoom}
      initialName={savedName()}
      onJoined={setRoom}
    />
  );
}
