import { useEffect, useState } from "preact/hooks";
import { LocalMedia } from "../call/LocalMedia.ts";
import type { Room } from "../call/Room.ts";
import type { ClientConfig } from "../config.ts";
import { t, useLocale } from "../i18n/index.ts";
import { browserEnv, type InviteResult, takeInvite } from "../invite.ts";
import type { Refusal } from "../signaling/refusal.ts";
import { LeftScreen } from "./LeftScreen.tsx";
import { Lobby } from "./Lobby.tsx";
import { type CallViewComponent, loadCallView } from "./lazy.ts";
import { RefusalScreen } from "./RefusalCard.tsx";

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
      inboundAudio: Room["inboundAudioStats"];
      /** The tiles on screen (`user:source`), as the call screen last told the room. */
      visibleTiles: () => readonly string[] | null;
      producers: Room["producerIds"];
    };
  }
}

/** A token that is not a JWT with an identity: refused here already (the edge would refuse it too). */
const UNREADABLE_INVITE: Refusal = {
  kind: "unauthorized",
  title: "refusal.damaged.title",
  text: "refusal.damaged.text",
};

function initialRoom(invite: InviteResult): string {
  const fromUrl = new URLSearchParams(window.location.search).get("room");
  const fromInvite = invite !== null && "invite" in invite ? invite.invite.grant.room : null;
  return fromUrl ?? fromInvite ?? randomRoomName();
}

export function App({ config }: { config: Promise<ClientConfig> }) {
  // The whole app re-renders in the new language when the person switches it.
  const lang = useLocale();
  useEffect(() => {
    document.title = t("app.documentTitle");
  }, [lang]);
  const [media, setMedia] = useState(() => new LocalMedia());
  const [room, setRoom] = useState<Room | null>(null);
  /** The call screen, loaded (lazy.ts) before the lobby hands over a joined room. */
  const [CallView, setCallView] = useState<CallViewComponent | null>(null);
  const [invite, setInvite] = useState<InviteResult>(() => takeInvite(browserEnv()));
  const [refusal, setRefusal] = useState<Refusal | null>(() =>
    invite !== null && "unreadable" in invite ? UNREADABLE_INVITE : null,
  );
  const [lastRoom, setLastRoom] = useState(() => initialRoom(invite));
  /** Bumped to start a fresh lobby (a new invite link pasted into this tab). */
  const [lobbyKey, setLobbyKey] = useState(0);
  /** The room we just left with Leave (the leave screen shows), or null. */
  const [left, setLeft] = useState<string | null>(null);
  /** The next lobby joins by itself (Rejoin). */
  const [autoJoin, setAutoJoin] = useState(false);

  // An invite link opened in this tab while it shows the app changes only the fragment:
  // no reload, so it is read here.
  useEffect(() => {
    const onHashChange = () => {
      const next = takeInvite(browserEnv());
      if (next === null) return;
      setInvite(next);
      setRefusal("unreadable" in next ? UNREADABLE_INVITE : null);
      setLastRoom(initialRoom(next));
      setLeft(null);
      setAutoJoin(false);
      setLobbyKey((key) => key + 1);
    };
    window.addEventListener("hashchange", onHashChange);
    return () => window.removeEventListener("hashchange", onHashChange);
  }, []);

  useEffect(() => {
    if (room === null) return;
    showRoomInUrl(room.roomId);
    window.__huddle = {
      mode: () => room.mode,
      inboundVideo: () => room.inboundVideoStats(),
      outboundVideo: () => room.outboundVideoStats(),
      inboundAudio: () => room.inboundAudioStats(),
      visibleTiles: () => room.visibleTiles,
      producers: () => room.producerIds(),
    };
    const onUnload = () => room.leave();
    window.addEventListener("pagehide", onUnload);
    return () => {
      window.removeEventListener("pagehide", onUnload);
      window.__huddle = undefined;
    };
  }, [room]);

  /** Out of the call: to the leave screen (the person pressed Leave) or straight to the lobby. */
  const leave = (to: "left-screen" | "lobby") => {
    if (room === null) return;
    room.leave();
    media.close();
    setLastRoom(room.roomId);
    setMedia(new LocalMedia());
    setRoom(null);
    setAutoJoin(false);
    setLeft(to === "left-screen" ? room.roomId : null);
  };

  const rejoin = () => {
    setLeft(null);
    setAutoJoin(true);
    setLobbyKey((key) => key + 1);
  };

  /** The lobby's join already waited for the call screen's chunk: this resolves at once. */
  const joined = (next: Room) =>
    void loadCallView().then((view) => {
      setCallView(() => view);
      setRoom(next);
    });

  if (room !== null && CallView !== null) {
    const tryAgain = () => {
      leave("lobby");
      rejoin();
    };
    return (
      <CallView room={room} onLeave={() => leave("left-screen")} onBack={() => leave("lobby")} onRejoin={tryAgain} />
    );
  }
  if (left !== null) return <LeftScreen roomId={left} onRejoin={rejoin} onLobby={() => setLeft(null)} />;
  if (refusal !== null) return <RefusalScreen refusal={refusal} onBack={() => setRefusal(null)} />;
  return (
    <Lobby
      key={`${lastRoom}:${lobbyKey}`}
      media={media}
      config={config}
      initialRoom={lastRoom}
      initialName={savedName()}
      invite={invite !== null && "invite" in invite ? invite.invite : null}
      autoJoin={autoJoin}
      onJoined={joined}
      onRefused={(why) => {
        setAutoJoin(false);
        setRefusal(why);
      }}
    />
  );
}
