import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { MediaError } from "../call/LocalMedia.ts";
import type { Room } from "../call/Room.ts";
import { type Participant, RoomEvent } from "../call/RoomEvent.ts";
import { ChatPanel } from "./ChatPanel.tsx";
import { ConnectionBadge } from "./ConnectionBadge.tsx";
import { Controls } from "./Controls.tsx";
import { useGridLayout, useMediaTrack, useRoomState } from "./hooks.ts";
import { CloseIcon, LinkIcon } from "./icons.tsx";
import { ParticipantList } from "./ParticipantList.tsx";
import { VideoTile } from "./VideoTile.tsx";

type Panel = "chat" | "people";

interface Tile {
  key: string;
  participant: Participant;
  source: "camera" | "screen";
}

/** Screen shares first (they carry the detail), then every participant's camera tile. */
function tilesOf(participants: Participant[]): Tile[] {
  const screens = participants
    .filter((p) => p.media.screen && p.tracks.screen !== null)
    .map((p): Tile => ({ key: `${p.username}:screen`, participant: p, source: "screen" }));
  const cameras = participants.map((p): Tile => ({ key: `${p.username}:camera`, participant: p, source: "camera" }));
  return [...screens, ...cameras];
}

/** Short messages at the bottom of the call, each gone after a few seconds; three at most. */
function useToasts(): { notices: { id: number; text: string }[]; show: (text: string) => void } {
  const [notices, setNotices] = useState<{ id: number; text: string }[]>([]);
  const nextId = useRef(0);
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  useEffect(
    () => () => {
      for (const timer of timers.current) clearTimeout(timer);
    },
    [],
  );
  const show = useCallback((text: string) => {
    const id = ++nextId.current;
    setNotices((list) => [...list.slice(-2), { id, text }]);
    const timer = setTimeout(() => {
      timers.current.delete(timer);
      setNotices((list) => list.filter((n) => n.id !== id));
    }, 4000);
    timers.current.add(timer);
  }, []);
  return { notices, show };
}

/** Plays a remote participant's microphone (hidden; video elements stay muted). */
function RemoteAudio({ track }: { track: MediaStreamTrack }) {
  const ref = useRef<HTMLAudioElement>(null);
  useMediaTrack(ref, track);
  // biome-ignore lint/a11y/useMediaCaption: live call audio; there is no caption track to offer
  return <audio ref={ref} autoplay />;
}

/** A shareable link to this room (keeps an `edge` override so the link reaches the same edge). */
export function roomLink(roomId: string): string {
  const url = new URL(window.location.href);
  const edge = url.searchParams.get("edge");
  url.search = "";
  url.hash = "";
  url.searchParams.set("room", roomId);
  if (edge !== null) url.searchParams.set("edge", edge);
  return url.href;
}

interface CallViewProps {
  room: Room;
  onLeave: () => void;
}

export function CallView({ room, onLeave }: CallViewProps) {
  useRoomState(room);
  const [panel, setPanel] = useState<Panel | null>(() => (window.innerWidth >= 900 ? "chat" : null));
  const [messages, setMessages] = useState(room.chat);
  const [unread, setUnread] = useState(0);
  const { notices, show } = useToasts();
  const [copied, setCopied] = useState(false);
  const gridRef = useRef<HTMLDivElement>(null);
  const focusPanel = useRef(false);
  const panelRef = useRef(panel);
  panelRef.current = panel;

  useEffect(
    () =>
      room.on(RoomEvent.ChatMessage, () => {
        setMessages(room.chat);
        if (panelRef.current !== "chat") setUnread((n) => n + 1);
      }),
    [room],
  );

  useEffect(() => {
    const offs = [room.on(RoomEvent.Notice, show), room.on(RoomEvent.Problem, show)];
    return () => {
      for (const off of offs) off();
    };
  }, [room, show]);

  const participants = room.participants;
  const tiles = tilesOf(participants);
  const layout = useGridLayout(gridRef, tiles.length);
  const status = room.status;
  const flags = room.media.flags;

  // The person's own switch failed (no permission, no device): said where they pressed it.
  const report = (error: unknown) => {
    show(error instanceof MediaError ? error.message : "That did not work. Please try again.");
    if (!(error instanceof MediaError)) console.error("huddle:", error);
  };

  const togglePanel = (which: Panel) => {
    setPanel((current) => (current === which ? null : which));
    focusPanel.current = true;
    if (which === "chat") setUnread(0);
  };

  // A panel opened from its button takes the focus (the message box, or the panel itself);
  // Escape closes it again.
  useEffect(() => {
    if (!focusPanel.current || panel === null) return;
    focusPanel.current = false;
    const target = panel === "chat" ? document.getElementById("chat-input") : document.getElementById("side-panel");
    target?.focus();
  }, [panel]);

  const onPanelKey = (event: KeyboardEvent) => {
    if (event.key !== "Escape") return;
    event.stopPropagation();
    const toggle = document.querySelector<HTMLButtonElement>(
      `.controls button[aria-label="${panel === "chat" ? "Chat" : "Participants"}"]`,
    );
    setPanel(null);
    toggle?.focus();
  };

  const copyLink = async () => {
    const link = roomLink(room.roomId);
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      window.prompt("Copy this link to invite others:", link);
    }
  };

  return (
    <div class={`call${panel !== null ? " call-with-panel" : ""}`}>
      <header class="call-header">
        <div class="call-title">
          <span class="brand-mark" aria-hidden="true" />
          <h1>{room.roomId}</h1>
          <span class="call-count" title="People in the call">
            <span class="visually-hidden">People in the call: </span>
            {participants.length}
          </span>
          <ConnectionBadge status={status} />
          {room.mode !== null && (
            <span class="call-mode" title="How media travels">
              {room.mode === "sfu" ? "Media server" : "Peer-to-peer"}
            </span>
          )}
        </div>
        <button type="button" class="link-button" onClick={() => void copyLink()} aria-label="Copy invite link">
          <LinkIcon />
          <span class="link-text" aria-live="polite">
            {copied ? "Link copied" : "Copy invite link"}
          </span>
        </button>
      </header>

      <main class="stage" aria-label="Participants' video">
        <div class="grid" ref={gridRef} style={{ "--columns": String(layout.columns) }} data-columns={layout.columns}>
          {tiles.map((tile) => (
            <VideoTile key={tile.key} participant={tile.participant} source={tile.source} width={layout.tileWidth} />
          ))}
        </div>
        {participants
          .filter((p) => !p.isLocal && p.tracks.microphone !== null)
          .map((p) => (
            <RemoteAudio key={p.username} track={p.tracks.microphone as MediaStreamTrack} />
          ))}
      </main>

      {panel !== null && (
        <aside
          class="side-panel"
          id="side-panel"
          tabIndex={-1}
          aria-label={panel === "chat" ? "Chat" : "Participants"}
          onKeyDown={onPanelKey}
        >
          <div class="side-header">
            <h2>{panel === "chat" ? "Chat" : `People (${participants.length})`}</h2>
            <button type="button" class="icon-button" aria-label="Close panel" onClick={() => setPanel(null)}>
              <CloseIcon />
            </button>
          </div>
          {panel === "chat" ? (
            <ChatPanel
              messages={messages}
              connected={status.state === "connected"}
              onSend={(text) => room.sendChat(text)}
            />
          ) : (
            <ParticipantList participants={participants} />
          )}
        </aside>
      )}

      <div class="toasts" role="status" aria-live="polite">
        {notices.map((notice) => (
          <p key={notice.id} class="toast">
            {notice.text}
          </p>
        ))}
      </div>

      <Controls
        microphone={flags.microphone}
        camera={flags.camera}
        screen={flags.screen}
        canShareScreen={typeof navigator.mediaDevices?.getDisplayMedia === "function"}
        panel={panel}
        unread={unread}
        onMicrophone={() => void room.setMicrophoneEnabled(!flags.microphone).catch(report)}
        onCamera={() => void room.setCameraEnabled(!flags.camera).catch(report)}
        onScreen={() => (flags.screen ? room.stopScreenShare() : void room.startScreenShare().catch(report))}
        onPanel={togglePanel}
        onLeave={onLeave}
      />
      {status.state === "closed" && (
        <div class="overlay" role="alertdialog" aria-labelledby="lost-title" aria-describedby="lost-text">
          <div class="overlay-card">
            <h2 id="lost-title">You are disconnected</h2>
            <p id="lost-text">{status.reason}</p>
            <button type="button" class="primary" onClick={onLeave}>
              Back to the lobby
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
