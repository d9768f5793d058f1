import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { MediaError, mediaProblemText } from "../call/LocalMedia.ts";
import type { Room } from "../call/Room.ts";
import { RoomEvent } from "../call/RoomEvent.ts";
import { type MessageKey, t } from "../i18n/index.ts";
import { refusalOf } from "../signaling/refusal.ts";
import { AlonePrompt } from "./AlonePrompt.tsx";
import { useAudioOutput } from "./audioOutput.ts";
import { CallArea } from "./CallArea.tsx";
import { ChatPanel } from "./ChatPanel.tsx";
import { ConnectionBadge } from "./ConnectionBadge.tsx";
import { Controls } from "./Controls.tsx";
import { GiveUpScreen } from "./GiveUpScreen.tsx";
import { useMediaTrack, useRoomState, useSubscription } from "./hooks.ts";
import { CloseIcon, GridIcon, LinkIcon, SpeakerViewIcon } from "./icons.tsx";
import { ParticipantList } from "./ParticipantList.tsx";
import { PresentingBanner } from "./PresentingBanner.tsx";
import { PresenceContext, useReactions } from "./presence.ts";
import { ReconnectBanner } from "./ReconnectBanner.tsx";
import { RecordingButton } from "./RecordingButton.tsx";
import { RecordingIndicator } from "./RecordingIndicator.tsx";
import { RefusalCard } from "./RefusalCard.tsx";
import { deviceLostText, SettingsDialog } from "./SettingsDialog.tsx";
import { ShortcutsHelp } from "./ShortcutsHelp.tsx";
import { type ShortcutAction, shortcutOf } from "./shortcuts.ts";
import { arrange, pageSizeOption, tilesOf, type ViewMode } from "./tiles.ts";
import { useCopy } from "./useCopy.ts";

type Panel = "chat" | "people";

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

/** Plays a remote participant's microphone (hidden; video elements stay muted) on the chosen speaker. */
function RemoteAudio({ track, sinkId }: { track: MediaStreamTrack; sinkId: string | null }) {
  const ref = useRef<HTMLAudioElement>(null);
  useMediaTrack(ref, track);
  useAudioOutput(ref, sinkId);
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
  /** The person pressed Leave (the leave screen follows). */
  onLeave: () => void;
  /** The call ended without them (refused, disconnected): back to the lobby. */
  onBack: () => void;
  /** The connection did not come back in time and they chose Try again: join the room afresh. */
  onRejoin: () => void;
}

/** The last remote participant who spoke (the speaker view keeps them on stage in a silence). */
function useLastSpeaker(room: Room): string | null {
  const [speaker, setSpeaker] = useState<string | null>(null);
  useEffect(
    () =>
      room.on(RoomEvent.ActiveSpeakerChanged, (user) => {
        if (user !== null && room.participants.some((p) => p.username === user && !p.isLocal)) setSpeaker(user);
      }),
    [room],
  );
  return speaker;
}

export function CallView({ room, onLeave, onBack, onRejoin }: CallViewProps) {
  useRoomState(room);
  useSubscription(useCallback((notify: () => void) => room.media.on("change", notify), [room]));
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [panel, setPanel] = useState<Panel | null>(() => (window.innerWidth >= 900 ? "chat" : null));
  const [messages, setMessages] = useState(room.chat);
  const [unread, setUnread] = useState(0);
  const { notices, show } = useToasts();
  const { copied, copy } = useCopy(t("call.copyPrompt"));
  const [view, setView] = useState<ViewMode>("grid");
  const [pinned, setPinned] = useState<string | null>(null);
  const [maxPageSize] = useState(() => pageSizeOption(window.location.search));
  const lastSpeaker = useLastSpeaker(room);
  const reactions = useReactions(room);
  const presence = useMemo(() => ({ room, reactions }), [room, reactions]);
  const [help, setHelp] = useState(false);
  /** What the last shortcut did, for screen readers (a new `id` is a new announcement). */
  const [announced, setAnnounced] = useState<{ id: number; text: string } | null>(null);
  const announce = (key: MessageKey) => setAnnounced((last) => ({ id: (last?.id ?? 0) + 1, text: t(key) }));
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
    const offs = [
      room.on(RoomEvent.Notice, show),
      room.on(RoomEvent.Problem, show),
      room.media.on("device-lost", (source, fallback) => show(deviceLostText(room.media, source, fallback))),
      room.on(RoomEvent.MutedByModerator, (source) =>
        show(
          source === "microphone"
            ? t("call.mutedMicrophone")
            : source === "camera"
              ? t("call.mutedCamera")
              : t("call.mutedScreen"),
        ),
      ),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [room, show]);

  const participants = room.participants;
  const tiles = tilesOf(participants);
  // A pin whose tile is gone (they left, the share stopped) is dropped, not kept for later.
  const pinnedKey = pinned !== null && tiles.some((t) => t.key === pinned) ? pinned : null;
  const arrangement = arrange(tiles, view, pinnedKey, lastSpeaker);
  useEffect(() => {
    if (pinned !== null && pinnedKey === null) setPinned(null);
  }, [pinned, pinnedKey]);
  const status = room.status;
  const alone = participants.length === 1 && status.state === "connected";
  const flags = room.media.flags;
  const allowed = room.controls;
  const refusal = status.state === "closed" ? refusalOf(status.error) : null;
  const gaveUp = status.state === "closed" && status.error?.code === "gave-up";
  const reconnecting = status.state === "reconnecting";
  const unstable = participants.some((p) => !p.isLocal && p.link === "failed");

  // The person's own switch failed (no permission, no device): said where they pressed it.
  const report = (error: unknown) => {
    show(error instanceof MediaError ? mediaProblemText(error.problem) : t("call.failed"));
    if (!(error instanceof MediaError)) console.error("huddle:", error);
  };

  const togglePanel = (which: Panel) => {
    setPanel((current) => (current === which ? null : which));
    focusPanel.current = true;
    if (which === "chat") setUnread(0);
  };

  const onShortcut = (action: ShortcutAction) => {
    switch (action) {
      case "mute":
        if (!allowed.microphone) return announce("shortcuts.notAllowed");
        return void room
          .setMicrophoneEnabled(!flags.microphone)
          .then(() => announce(flags.microphone ? "shortcuts.micOff" : "shortcuts.micOn"), report);
      case "camera":
        if (!allowed.camera) return announce("shortcuts.notAllowed");
        return void room
          .setCameraEnabled(!flags.camera)
          .then(() => announce(flags.camera ? "shortcuts.cameraOff" : "shortcuts.cameraOn"), report);
      case "hand":
        if (room.handRaised) room.lowerHand();
        else room.raiseHand();
        return announce(room.handRaised ? "shortcuts.handDown" : "shortcuts.handUp");
      case "chat":
        announce(panel === "chat" ? "shortcuts.chatClosed" : "shortcuts.chatOpen");
        return togglePanel("chat");
      case "help":
        return setHelp((open) => !open);
    }
  };
  const shortcutRef = useRef(onShortcut);
  shortcutRef.current = onShortcut;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      const action = shortcutOf(event);
      if (action === null) return;
      event.preventDefault();
      shortcutRef.current(action);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

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
      `.controls button[aria-label="${panel === "chat" ? t("call.chat") : t("call.participants")}"]`,
    );
    setPanel(null);
    toggle?.focus();
  };

  return (
    <div class={`call${panel !== null ? " call-with-panel" : ""}${reconnecting ? " call-reconnecting" : ""}`}>
      <header class="call-header">
        <div class="call-title">
          <span class="brand-mark" aria-hidden="true" />
          <h1>{room.roomId}</h1>
          <span class="call-count" title={t("call.peopleTitle")}>
            <span class="visually-hidden">{t("call.peopleCount", { count: participants.length })}</span>
            <span aria-hidden="true">{participants.length}</span>
          </span>
          <ConnectionBadge status={status} mode={room.mode} unstable={unstable} />
          <RecordingIndicator recording={room.recording} />
        </div>
        <div class="call-actions">
          <button
            type="button"
            class="link-button"
            aria-label={t("shortcuts.open")}
            aria-haspopup="dialog"
            title={t("shortcuts.open")}
            onClick={() => setHelp(true)}
          >
            <span aria-hidden="true">?</span>
          </button>
          <button
            type="button"
            class="link-button"
            aria-label={t("call.speakerView")}
            aria-pressed={view === "speaker"}
            title={view === "speaker" ? t("call.speakerViewOn") : t("call.speakerViewOff")}
            onClick={() => setView((current) => (current === "speaker" ? "grid" : "speaker"))}
          >
            {view === "speaker" ? <GridIcon /> : <SpeakerViewIcon />}
          </button>
          <button
            type="button"
            class="link-button"
            onClick={() => void copy(roomLink(room.roomId))}
            aria-label={t("call.copyLink")}
          >
            <LinkIcon />
            <span class="link-text" aria-live="polite">
              {copied ? t("call.linkCopied") : t("call.copyLink")}
            </span>
          </button>
        </div>
      </header>

      <main class="stage" aria-label={t("call.video")}>
        {flags.screen && <PresentingBanner onStop={() => room.stopScreenShare()} />}
        {status.state === "reconnecting" && <ReconnectBanner status={status} onRetry={() => room.retryNow()} />}
        <PresenceContext.Provider value={presence}>
          <CallArea
            arrangement={arrangement}
            pinned={pinnedKey}
            onPin={setPinned}
            speaker={lastSpeaker}
            maxPageSize={maxPageSize}
            reconnecting={reconnecting}
            onVisibleTilesChanged={(keys) => room.setVisibleTiles(keys)}
            onTileView={(key, view) => room.setTileView(key, view)}
          />
        </PresenceContext.Provider>
        {alone && <AlonePrompt link={roomLink(room.roomId)} />}
        {participants
          .filter((p) => !p.isLocal && p.tracks.microphone !== null)
          .map((p) => (
            <RemoteAudio
              key={p.username}
              track={p.tracks.microphone as MediaStreamTrack}
              sinkId={room.media.speakerId}
            />
          ))}
      </main>

      {panel !== null && (
        <aside
          class="side-panel"
          id="side-panel"
          tabIndex={-1}
          aria-label={panel === "chat" ? t("call.chat") : t("call.participants")}
          onKeyDown={onPanelKey}
        >
          <div class="side-header">
            <h2>{panel === "chat" ? t("call.chat") : t("call.people", { number: participants.length })}</h2>
            <button type="button" class="icon-button" aria-label={t("call.closePanel")} onClick={() => setPanel(null)}>
              <CloseIcon />
            </button>
          </div>
          {panel === "chat" ? (
            <ChatPanel
              messages={messages}
              connected={status.state === "connected"}
              allowed={allowed.chat}
              onSend={(text) => room.sendChat(text)}
            />
          ) : (
            <ParticipantList
              participants={participants}
              moderation={allowed.moderate ? room : null}
              lobby={room.lobby}
              settings={room.settings}
            />
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
        allowed={allowed}
        panel={panel}
        unread={unread}
        waiting={allowed.moderate ? room.lobby.length : 0}
        onMicrophone={() => void room.setMicrophoneEnabled(!flags.microphone).catch(report)}
        onCamera={() => void room.setCameraEnabled(!flags.camera).catch(report)}
        onScreen={() => (flags.screen ? room.stopScreenShare() : void room.startScreenShare().catch(report))}
        onPanel={togglePanel}
        onSettings={() => setSettingsOpen(true)}
        onLeave={onLeave}
        recording={
          allowed.record && (
            <RecordingButton
              recording={room.recording !== null}
              onStart={() => room.startRecording()}
              onStop={() => room.stopRecording()}
              onError={show}
            />
          )
        }
        hand={room.handRaised}
        canReact={room.mayReact}
        onHand={() => (room.handRaised ? room.lowerHand() : room.raiseHand())}
        onReact={(reaction) => room.sendReaction(reaction)}
      />
      <div class="visually-hidden" aria-live="polite" data-testid="shortcut-announcer">
        {announced !== null && <p key={announced.id}>{announced.text}</p>}
      </div>
      {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
      {settingsOpen && <SettingsDialog room={room} onClose={() => setSettingsOpen(false)} />}
      {refusal !== null && (
        <div class="overlay" role="alertdialog" aria-labelledby="ended-title" aria-describedby="ended-text">
          <RefusalCard refusal={refusal} onBack={onBack} id="ended" />
        </div>
      )}
      {gaveUp && (
        <GiveUpScreen
          seconds={Math.round(room.signaling.reconnectLimitMs / 1000)}
          onTryAgain={onRejoin}
          onBack={onBack}
        />
      )}
      {status.state === "closed" && refusal === null && !gaveUp && (
        <div class="overlay" role="alertdialog" aria-labelledby="lost-title" aria-describedby="lost-text">
          <div class="overlay-card">
            <h2 id="lost-title">{t("call.lostTitle")}</h2>
            <p id="lost-text">{t("call.lostText")}</p>
            {status.reason !== "" && <p class="refusal-detail">{t("refusal.detail", { detail: status.reason })}</p>}
            <button type="button" class="primary" onClick={onBack}>
              {t("common.backToLobby")}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
