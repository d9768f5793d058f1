import type {
  ClientData,
  ClientMessageType,
  ConnectionQuality,
  TrackSource as GrantSource,
  LobbyEntry,
  ParticipantInfo,
  RaisedHand,
  Reaction,
  RecordingNow,
  ServerData,
  SfuInfo,
} from "@huddle/protocol";
import { Emitter } from "../events.ts";
import { t } from "../i18n/index.ts";
import { reconnectLimitMs } from "../signaling/reconnectLimit.ts";
import { type ConnectionStatus, SignalingClient, SignalingError } from "../signaling/SignalingClient.ts";
import { AdaptiveLayers, type TileView } from "./adaptiveLayers.ts";
import { Hands } from "./hands.ts";
import type { HandOver, LocalMedia } from "./LocalMedia.ts";
import type { EngineHost, MediaEngine } from "./MediaEngine.ts";
import { MeshEngine } from "./MeshEngine.ts";
import type { CameraResolution } from "./mediaPreferences.ts";
import {
  allowedFlags,
  type ControlsState,
  controlsState,
  GRANT_SOURCE,
  mayPublishSource,
  OPEN_ROOM_PERMISSIONS,
  type Permissions,
  sourceOfGrant,
} from "./permissions.ts";
import { type ChatEntry, type Participant, ROOM_STATE_EVENTS, RoomEvent, type RoomEvents } from "./RoomEvent.ts";
import { SfuEngine } from "./SfuEngine.ts";
import { SpeakerDetector } from "./SpeakerDetector.ts";
import {
  type CallMode,
  type InboundAudioStat,
  type InboundVideoStat,
  type LinkState,
  type MediaFlags,
  noTracks,
  type OutboundVideoStat,
  type SourceTracks,
  TRACK_SOURCES,
  type TrackSource,
} from "./types.ts";

export { type ChatEntry, type Participant, ROOM_STATE_EVENTS, RoomEvent, type RoomEvents };

export interface RoomOptions {
  edgeUrl: string;
  roomId: string;
  username: string;
  media: LocalMedia;
  /** The join token (an invite link's), sent with every join of this room. */
  token?: string;
  /** The name to show for us until the room says (the invite's `name`). */
  displayName?: string;
  /** STUN/TURN servers for the mesh (deployment setting). */
  iceServers?: RTCIceServer[];
  /** How long a dropped connection is retried (default: the page's `?reconnectLimit=`, else 60 s). */
  reconnectLimitMs?: number;
}

/** The room's moderation settings before the room says (rooms without join tokens never do). */
const NO_SETTINGS = { locked: false, lobby: false } as const;

/** What the room knows of someone else: what they say they send, what arrived, the path to them. */
interface Remote {
  username: string;
  name: string | undefined;
  permissions: Permissions | undefined;
  media: MediaFlags;
  tracks: SourceTracks;
  link: LinkState;
}

const UNKNOWN_MEDIA: MediaFlags = { microphone: true, camera: true, screen: false };

/**
 * One call, as the UI sees it (the shape of LiveKit's `Room`): the participants with their
 * tracks and mute flags, the chat, the connection status, each change told as a `RoomEvent`.
 * It owns the signaling client and exactly one media engine (mesh, or SFU when `joined`
 * carries `sfu`), and rebuilds the engine on every (re)join and `media-reset`. What we
 * capture is `LocalMedia`'s; what we send is the engine's: each switch here takes the track
 * from the one and hands it to the other.
 *
 * In a room with join tokens it also holds what we may do (`permissions`: only sources we
 * may publish are sent, a revoked one is stopped) and, for a moderator, the room's settings
 * and lobby, with the moderation commands.
 */
export class Room extends Emitter<RoomEvents> {
  readonly roomId: string;
  readonly username: string;
  readonly signaling: SignalingClient;
  readonly media: LocalMedia;
  readonly iceServers: RTCIceServer[];
  chat: ChatEntry[] = [];
  /** Who waits in the lobby (moderators only; empty otherwise). */
  lobby: LobbyEntry[] = [];
  #settings: { locked: boolean; lobby: boolean } = { ...NO_SETTINGS };
  /** The recording in progress (`joined.recording`, `recording-started`), or null. */
  #recording: RecordingNow | null = null;
  #permissions: Permissions = OPEN_ROOM_PERMISSIONS;
  /** TURN servers with short-lived credentials from the edge (`joined.iceServers`), fresh on every join. */
  #edgeIceServers: RTCIceServer[] = [];
  #displayName: string | undefined;
  #remotes = new Map<string, Remote>();
  #engine: MediaEngine | null = null;
  #activeSpeaker: string | null = null;
  #speakers: SpeakerDetector;
  /** How well each participant's media flows (ours too), as the media node last said; SFU calls only. */
  #quality = new Map<string, ConnectionQuality>();
  #hands = new Hands();
  /** Whether we want our hand up: raised again after a rejoin that lost it (a new membership). */
  #wantHand = false;
  /** The latest audio level (0..1) per participant, ours included (`AudioLevels`). */
  #levels = new Map<string, number>();
  #chatId = 0;
  #unsubscribe: (() => void)[] = [];
  #closed = false;
  /** The tiles the call screen shows now (`user:source`), as it last said; null: not said yet. */
  #visibleTiles: readonly string[] | null = null;
  /** What each remote video should be received as, from how the call screen shows it (SFU). */
  #layers = new AdaptiveLayers(() => this.#engine?.wishesChanged?.());

  /** Connects and joins; rejects with a `SignalingError` (`username-taken`, `room-full`, ...). */
  static async join(options: RoomOptions): Promise<Room> {
    const room = Room.create(options);
    await room.connect();
    return room;
  }

  /** A room not joined yet: subscribe to its status (a lobby's `waiting`), then `connect()`. */
  static create(options: RoomOptions): Room {
    return new Room(options);
  }

  /**
   * Joins; rejects with a `SignalingError` (`username-taken`, `room-full`, `unauthorized`,
   * `join-denied`, or `closed` after `leave()` while waiting in the lobby), and this room is
   * closed then.
   */
  async connect(): Promise<void> {
    try {
      await this.signaling.join();
    } catch (error) {
      this.#dispose();
      throw error;
    }
  }

  private constructor(options: RoomOptions) {
    super();
    this.roomId = options.roomId;
    this.username = options.username;
    this.media = options.media;
    this.iceServers = options.iceServers ?? [];
    this.#displayName = options.displayName;
    const params = { roomId: options.roomId, username: options.username };
    this.signaling = new SignalingClient(
      options.edgeUrl,
      options.token === undefined ? params : { ...params, token: options.token },
      { reconnectLimitMs: options.reconnectLimitMs ?? reconnectLimitMs(globalThis.location?.search ?? "") },
    );
    this.#speakers = new SpeakerDetector(
      () => this.#readLevels(),
      (speaker) => this.#setSpeaker(speaker),
    );
    const s = this.signaling;
    this.#unsubscribe.push(
      s.on("status", (status) => this.emit(RoomEvent.ConnectionStatusChanged, status)),
      s.on("joined", (data) => this.#onJoined(data)),
      s.onMessage("user-joined", (info) => this.#addParticipant(info, true)),
      s.onMessage("user-left", ({ user }) => this.#removeParticipant(user)),
      s.onMessage("media-state", ({ user, ...flags }) => this.#onMediaState(user, flags)),
      s.onMessage("chat-message", (data) => this.#onChat(data)),
      s.onMessage("hand-raised", (hand) => this.#onHandRaised(hand)),
      s.onMessage("hand-lowered", ({ user, by }) => this.#onHandLowered(user, by)),
      s.onMessage("reaction", ({ user, reaction }) => this.emit(RoomEvent.Reaction, user, reaction)),
      // SFU calls: the media node picks the speaker and grades everyone's connection.
      s.onMessage("active-speaker", ({ user }) => this.#speakers.serverSaid(user)),
      s.onMessage("connection-quality", ({ user, quality }) => this.#onQuality(user, quality)),
      s.onMessage("media-reset", ({ reason, sfu }) => {
        this.emit(RoomEvent.Notice, t("notice.mediaReset", { reason }));
        // The recording ran on the media node that is gone (docs/recording.md, "Consent").
        this.#setRecording(null);
        this.#startEngine(sfu);
      }),
      s.onMessage("participant-updated", (info) => this.#onParticipantUpdated(info)),
      s.onMessage("participant-muted", ({ user, source, by }) => this.#onMuted(user, source, by)),
      s.onMessage("room-updated", ({ locked, lobby, by }) => this.#onRoomUpdated({ locked, lobby }, by)),
      s.onMessage("lobby-updated", ({ waiting }) => this.#onLobby(waiting)),
      s.onMessage("recording-started", ({ recordingId, startedAt }) => this.#setRecording({ recordingId, startedAt })),
      s.onMessage("recording-stopped", () => this.#setRecording(null)),
      s.onMessage("error", ({ code, message }) => {
        // Replies to requests go to their request; this is a refusal of something sent without one.
        console.warn(`huddle: edge error ${code}: ${message}`);
        if (code === "rate-limited") this.emit(RoomEvent.Notice, t("notice.slowDown"));
      }),
      // The browser's own "Stop sharing" button.
      this.media.on("screen-ended", () => this.#publish("screen", null)),
      // A device unplugged mid-call: LocalMedia fell back to another (or to none); send that.
      // (The lost track has ended: the sender lets go of it before it takes the new one.)
      this.media.on("device-lost", (source) => {
        void this.#engine?.setLocalTrack(source, null).then(() => this.#republish(source, this.media.sending[source]));
      }),
    );
  }

  get status(): ConnectionStatus {
    return this.signaling.status;
  }

  /** While reconnecting: tries again now instead of after the backoff ("Retry now"). */
  retryNow(): void {
    this.signaling.retryNow();
  }

  /** The tiles on screen now (`user:source`; null until the call screen says), see `setVisibleTiles`. */
  get visibleTiles(): readonly string[] | null {
    return this.#visibleTiles;
  }

  /**
   * The call screen says which tiles it shows (`user:source` keys; a large room pages its
   * tiles, so the others render no video). Told as `VisibleTilesChanged`, for whatever may stop
   * receiving what nobody sees (receiver-driven layers, later).
   */
  setVisibleTiles(keys: readonly string[]): void {
    const before = this.#visibleTiles;
    if (before !== null && before.length === keys.length && before.every((key, i) => key === keys[i])) return;
    this.#visibleTiles = [...keys];
    this.#layers.setVisibleTiles(keys);
    this.emit(RoomEvent.VisibleTilesChanged, this.#visibleTiles);
  }

  /**
   * How the call screen shows one tile (`user:source`): its height in device pixels and whether
   * it is on screen; null when it is gone. Picks the layer each remote video is received at.
   */
  setTileView(key: string, view: TileView | null): void {
    this.#layers.setTileView(key, view);
  }

  /** How media travels in this call, known from `joined` on. */
  get mode(): CallMode | null {
    return this.#engine?.mode ?? null;
  }

  /** What we may do in this room (everything in a room without join tokens). */
  get permissions(): Permissions {
    return this.#permissions;
  }

  /** Which controls our grants allow (a source we may not publish, chat without `canPublishData`). */
  get controls(): ControlsState {
    return controlsState(this.#permissions);
  }

  /** Whether the room is locked and has its lobby on, as far as we know. */
  get settings(): { locked: boolean; lobby: boolean } {
    return this.#settings;
  }

  /** The room's recording in progress, or null when nobody records it (as far as we know). */
  get recording(): RecordingNow | null {
    return this.#recording;
  }

  /** Local participant first, then everyone else in the order they joined. */
  get participants(): Participant[] {
    return [this.#localParticipant(), ...[...this.#remotes.values()].map((remote) => this.#participant(remote))];
  }

  /**
   * Sends a chat message; it appears when the server echoes it (with the name it knows).
   * False when there is nothing to send or no connection; a message the edge refuses for
   * the moment (`rate-limited`) is sent again, and one that still fails is a problem.
   */
  sendChat(text: string): boolean {
    const trimmed = text.trim();
    if (trimmed === "" || this.signaling.status.state !== "connected" || !this.#permissions.canPublishData)
      return false;
    const data = { from: this.username, text: trimmed, timestamp: new Date().toISOString() };
    this.signaling.request("chat-message", data, "chat-message").then(
      (echo) => this.#onChat(echo),
      (error: unknown) =>
        this.#problem(
          t("problem.withDetail", { problem: t("problem.messageNotSent"), detail: (error as Error).message }),
          error,
        ),
    );
    return true;
  }

  /** Whether our grants let us send `source`. */
  mayPublish(source: TrackSource): boolean {
    return mayPublishSource(this.#permissions, source);
  }

  /** Rejects with a `MediaError` when the microphone cannot be opened. */
  async setMicrophoneEnabled(enabled: boolean): Promise<void> {
    if (enabled && !this.#allowed("microphone")) return;
    this.#publish("microphone", await this.media.setMicrophoneEnabled(enabled));
  }

  /** Rejects with a `MediaError` when the camera cannot be opened. */
  async setCameraEnabled(enabled: boolean): Promise<void> {
    if (enabled && !this.#allowed("camera")) return;
    this.#publish("camera", await this.media.setCameraEnabled(enabled));
  }

  // In-call settings: LocalMedia switches what it captures, and the engine replaces the track
  // it sends on the same producer / sender, so the others see no leave and join.

  /** Rejects with a `MediaError` when that microphone cannot be opened (the old one stays). */
  selectMicrophone(deviceId: string): Promise<void> {
    return this.#switch("microphone", (handOver) => this.media.selectMicrophone(deviceId, handOver));
  }

  /** Rejects with a `MediaError` when that camera cannot be opened (the old one stays). */
  selectCamera(deviceId: string): Promise<void> {
    return this.#switch("camera", (handOver) => this.media.selectCamera(deviceId, handOver));
  }

  setCameraResolution(resolution: CameraResolution): Promise<void> {
    return this.#switch("camera", (handOver) => this.media.setResolution(resolution, handOver));
  }

  /** Rejects when RNNoise cannot run in this browser (the microphone is then sent as it is). */
  setNoiseSuppression(on: boolean): Promise<void> {
    return this.#switch("microphone", (handOver) => this.media.setNoiseSuppression(on, handOver));
  }

  setBrowserAudioProcessing(which: "noiseSuppression" | "echoCancellation", on: boolean): Promise<void> {
    return this.#switch("microphone", (handOver) => this.media.setBrowserProcessing(which, on, handOver));
  }

  /** Rejects with a `MediaError` when the screen cannot be captured (or the person declined). */
  async startScreenShare(): Promise<void> {
    if (!this.#allowed("screen")) return;
    this.#publish("screen", await this.media.startScreen());
  }

  // Presence: hands and reactions (each shown when the edge echoes it).

  /** Whether our hand is up, as the room knows it. */
  get handRaised(): boolean {
    return this.#hands.isRaised(this.username);
  }

  /** Whether our grants let us send reactions (`canPublishData`, like chat). */
  get mayReact(): boolean {
    return this.#permissions.canPublishData && !this.#permissions.hidden;
  }

  raiseHand(): void {
    this.#wantHand = true;
    this.signaling.send("raise-hand", {});
  }

  /** Lowers our hand, or (moderators) `user`'s. */
  lowerHand(user?: string): void {
    if (user === undefined || user === this.username) {
      this.#wantHand = false;
      this.signaling.send("lower-hand", {});
    } else this.signaling.send("lower-hand", { user });
  }

  sendReaction(reaction: Reaction): void {
    if (this.mayReact) this.signaling.send("send-reaction", { reaction });
  }

  /** The latest audio level (0..1) of `user` (ours too), 0 when unknown; `AudioLevels` tells when it changes. */
  audioLevel(user: string): number {
    return this.#levels.get(user) ?? 0;
  }

  // Moderation (needs `roomAdmin`; the edge refuses it otherwise, shown as a problem).

  /** Mutes someone's source: their producers of it are paused and they are told. */
  muteParticipant(user: string, source: TrackSource): void {
    this.#moderate("mute-participant", { user, source: GRANT_SOURCE[source] }, t("problem.mute", { name: user }));
  }

  /** Removes someone from the call: the same invite cannot join again. */
  removeParticipant(user: string): void {
    this.#moderate("remove-participant", { user }, t("problem.remove", { name: user }));
  }

  /** Lets someone publish (true) or makes them a viewer (false), at once. */
  setParticipantCanPublish(user: string, canPublish: boolean): void {
    this.#moderate(
      "update-participant",
      { user, permissions: { canPublish } },
      t("problem.permissions", { name: user }),
    );
  }

  setRoomLocked(locked: boolean): void {
    this.#moderate("update-room", { locked }, t(locked ? "problem.lock" : "problem.unlock"));
  }

  setLobbyEnabled(lobby: boolean): void {
    this.#moderate("update-room", { lobby }, t(lobby ? "problem.lobbyOn" : "problem.lobbyOff"));
  }

  admit(user: string): void {
    this.#moderate("admit-participant", { user }, t("problem.admit", { name: user }));
  }

  deny(user: string): void {
    this.#moderate("deny-participant", { user }, t("problem.deny", { name: user }));
  }

  /** Ends the call for everyone (us included: the status closes with `room-ended`). */
  endForEveryone(): void {
    this.#moderate("end-room", {}, t("problem.end"));
  }

  // Recording (needs `roomAdmin` or `roomRecord`; docs/recording.md).

  /** Starts recording the call; rejects with a `SignalingError` (`recording-active`, `media-unavailable`, ...). */
  async startRecording(): Promise<void> {
    await this.signaling.command("start-recording", {});
  }

  /** Stops the call's recording; rejects with a `SignalingError` (`not-recording`, ...). */
  async stopRecording(): Promise<void> {
    await this.signaling.command("stop-recording", {});
  }

  /** What our local producers are, per source (SFU; the tests check a switch keeps them). */
  producerIds(): Partial<Record<TrackSource, string>> {
    return this.#engine?.producerIds() ?? {};
  }

  stopScreenShare(): void {
    this.media.stopScreen();
    this.#publish("screen", null);
  }

  /** Decoding progress of every remote video (used by the end-to-end tests). */
  inboundVideoStats(): Promise<InboundVideoStat[]> {
    return this.#engine?.inboundVideoStats() ?? Promise.resolve([]);
  }

  outboundVideoStats(): Promise<OutboundVideoStat[]> {
    return this.#engine?.outboundVideoStats() ?? Promise.resolve([]);
  }

  /** Audio packets received per remote participant (SFU; used by the end-to-end tests). */
  inboundAudioStats(): Promise<InboundAudioStat[]> {
    return this.#engine?.inboundAudioStats() ?? Promise.resolve([]);
  }

  leave(): void {
    if (this.#closed) return;
    this.signaling.leave();
    this.#dispose();
  }

  #dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#speakers.close();
    this.#layers.close();
    this.#engine?.close();
    this.#engine = null;
    this.signaling.close();
    this.removeAllListeners();
  }

  #localParticipant(): Participant {
    return {
      username: this.username,
      name: this.#displayName ?? this.username,
      permissions: this.#permissions,
      isLocal: true,
      media: this.#flags(),
      tracks: { ...this.media.sending, microphone: this.media.microphone },
      link: null,
      speaking: this.#activeSpeaker === this.username,
      quality: this.#quality.get(this.username) ?? null,
      hand: this.#hands.position(this.username),
    };
  }

  #participant(remote: Remote): Participant {
    return {
      ...remote,
      name: remote.name ?? remote.username,
      isLocal: false,
      speaking: this.#activeSpeaker === remote.username,
      quality: this.#quality.get(remote.username) ?? null,
      hand: this.#hands.position(remote.username),
    };
  }

  /** What we send, as far as our grants allow (what `media-state` may claim). */
  #flags(): MediaFlags {
    return allowedFlags(this.#permissions, this.media.flags);
  }

  #sendMediaState(): void {
    if (!this.#permissions.hidden) this.signaling.send("media-state", this.#flags());
  }

  #allowed(source: TrackSource): boolean {
    if (this.mayPublish(source)) return true;
    this.emit(RoomEvent.Notice, t(`notice.mayNotSend.${source}`));
    return false;
  }

  #moderate<T extends ClientMessageType>(type: T, data: ClientData<T>, failure: string): void {
    if (this.#closed) return;
    this.signaling
      .command(type, data)
      .catch((error: unknown) =>
        this.#problem(t("problem.withDetail", { problem: failure, detail: (error as Error).message }), error),
      );
  }

  /**
   * One LocalMedia switch: it hands each new track to the engine (`handOver`, the same producer
   * or sender) before it stops the old one, then the others hear of the result. A failed
   * switch sends what LocalMedia has left.
   */
  async #switch(source: TrackSource, change: (handOver: HandOver) => Promise<MediaStreamTrack | null>): Promise<void> {
    const handOver: HandOver = async (track) => {
      if (!this.#closed && this.mayPublish(source)) await this.#engine?.setLocalTrack(source, track);
    };
    try {
      this.#republish(source, await change(handOver));
    } catch (error) {
      this.#republish(source, this.media.sending[source]);
      throw error;
    }
  }

  /** A source's track changed in LocalMedia (a switch, a fallback): sent on, if ours to send. */
  #republish(source: TrackSource, track: MediaStreamTrack | null): void {
    if (this.mayPublish(source)) this.#publish(source, track);
  }

  /** What we send for `source` changed: the engine sends it, the others hear of it. */
  #publish(source: TrackSource, track: MediaStreamTrack | null): void {
    if (this.#closed) return;
    void this.#engine?.setLocalTrack(source, track);
    this.#sendMediaState();
    this.emit(RoomEvent.LocalTrackChanged, source, track);
    this.emit(RoomEvent.ParticipantMediaChanged, this.#localParticipant());
  }

  #onJoined(data: ServerData<"joined">): void {
    this.#edgeIceServers = data.iceServers ?? [];
    if (data.you !== undefined) {
      if (data.you.name !== undefined) this.#displayName = data.you.name;
      if (data.you.permissions !== undefined) this.#setPermissions(data.you.permissions);
    }
    if (data.room !== undefined) this.#onRoomUpdated(data.room, undefined);
    this.#setRecording(data.recording ?? null);
    this.#onLobby(data.lobby ?? []);
    for (const username of [...this.#remotes.keys()]) {
      if (!data.users.includes(username)) this.#removeParticipant(username);
    }
    const infos = new Map((data.participants ?? []).map((info) => [info.user, info]));
    for (const user of data.users) this.#addParticipant(infos.get(user) ?? { user }, false);
    for (const { user, ...flags } of data.media ?? []) this.#onMediaState(user, flags);
    this.#hands.reset(data.hands ?? []);
    // A new membership (the old one ended while we were away) starts with our hand down.
    if (this.#wantHand && !this.#hands.isRaised(this.username)) this.signaling.send("raise-hand", {});
    this.emit(RoomEvent.HandsChanged, this.#hands.order());
    // A resumed membership keeps its media: the node kept our peer, and mesh links outlive signaling.
    const engine = this.#engine;
    if (data.resumed === true && engine !== null && engine.mode === (data.sfu === undefined ? "mesh" : "sfu")) {
      if (data.sfu !== undefined) engine.resumed?.(data.sfu);
    } else this.#startEngine(data.sfu);
    this.#sendMediaState();
  }

  /** Our grants now: sources we may no longer send are stopped (the edge closed their producers). */
  #setPermissions(permissions: Permissions): void {
    this.#permissions = permissions;
    for (const source of TRACK_SOURCES) {
      if (!this.mayPublish(source)) this.#stopLocal(source);
    }
    this.emit(RoomEvent.PermissionsChanged, permissions);
    this.emit(RoomEvent.ParticipantUpdated, this.#localParticipant());
  }

  /** Turns one of our sources off here, as if the person had pressed its button. */
  #stopLocal(source: TrackSource): void {
    const media = this.media;
    if (source === "screen") {
      if (media.screen !== null) this.stopScreenShare();
      return;
    }
    const on = source === "microphone" ? media.flags.microphone : media.camera !== null;
    if (!on) return;
    const off = source === "microphone" ? this.setMicrophoneEnabled(false) : this.setCameraEnabled(false);
    off.catch((error: unknown) => this.#problem(t(`problem.turnOff.${source}`), error));
  }

  #onParticipantUpdated(info: ParticipantInfo): void {
    if (info.user === this.username) {
      if (info.name !== undefined) this.#displayName = info.name;
      if (info.permissions !== undefined) {
        const before = this.#permissions;
        this.#setPermissions(info.permissions);
        if (before.canPublish !== info.permissions.canPublish) {
          this.emit(RoomEvent.Notice, info.permissions.canPublish ? t("notice.madeSpeaker") : t("notice.madeViewer"));
        }
      } else this.emit(RoomEvent.ParticipantUpdated, this.#localParticipant());
      return;
    }
    const remote = this.#remotes.get(info.user);
    if (remote === undefined) return;
    if (info.name !== undefined) remote.name = info.name;
    if (info.permissions !== undefined) remote.permissions = info.permissions;
    this.emit(RoomEvent.ParticipantUpdated, this.#participant(remote));
  }

  #onMuted(user: string, grantSource: GrantSource, by: string | undefined): void {
    const source = sourceOfGrant(grantSource);
    if (source === null) return;
    if (user === this.username) {
      this.#stopLocal(source);
      this.emit(RoomEvent.MutedByModerator, source, by);
      return;
    }
    // Their own `media-state` follows; show it at once.
    const remote = this.#remotes.get(user);
    if (remote === undefined || !remote.media[source]) return;
    remote.media = { ...remote.media, [source]: false };
    this.emit(RoomEvent.ParticipantMediaChanged, this.#participant(remote));
  }

  #onRoomUpdated(settings: { locked: boolean; lobby: boolean }, by: string | undefined): void {
    const before = this.#settings;
    this.#settings = { locked: settings.locked, lobby: settings.lobby };
    if (by !== undefined && by !== this.username) {
      if (before.locked !== settings.locked) {
        this.emit(RoomEvent.Notice, t(settings.locked ? "notice.locked" : "notice.unlocked", { name: by }));
      }
      if (before.lobby !== settings.lobby) {
        this.emit(RoomEvent.Notice, t(settings.lobby ? "notice.lobbyOn" : "notice.lobbyOff", { name: by }));
      }
    }
    this.emit(RoomEvent.RoomSettingsChanged, this.#settings);
  }

  #setRecording(recording: RecordingNow | null): void {
    if (this.#recording?.recordingId === recording?.recordingId) return;
    this.#recording = recording;
    this.emit(RoomEvent.RecordingChanged, recording);
  }

  #onLobby(waiting: LobbyEntry[]): void {
    const known = new Set(this.lobby.map((entry) => entry.user));
    for (const entry of waiting) {
      if (!known.has(entry.user)) this.emit(RoomEvent.Notice, t("notice.waiting", { name: entry.name ?? entry.user }));
    }
    this.lobby = waiting;
    this.emit(RoomEvent.LobbyChanged, waiting);
  }

  #startEngine(sfu: SfuInfo | undefined): void {
    this.#engine?.close();
    for (const remote of this.#remotes.values()) {
      remote.tracks = noTracks();
      remote.link = "connecting";
    }
    const host: EngineHost = {
      signaling: this.signaling,
      username: this.username,
      onRemoteTrack: (user, source, track) => this.#onRemoteTrack(user, source, track),
      onLinkState: (user, state) => this.#onLinkState(user, state),
      onProblem: (message, cause) => this.#problem(message, cause),
      receiveWish: (user, source) => this.#layers.wishFor(user, source),
    };
    // Only what our grants allow (a source just revoked is being stopped meanwhile).
    const sending = { ...this.media.sending };
    for (const source of TRACK_SOURCES) if (!this.mayPublish(source)) sending[source] = null;
    const engine: MediaEngine =
      sfu === undefined
        ? new MeshEngine(host, sending, { iceServers: [...this.iceServers, ...this.#edgeIceServers] })
        : new SfuEngine(host, sfu, sending, this.#permissions.canSubscribe);
    this.#engine = engine;
    for (const username of this.#remotes.keys()) engine.addPeer(username);
    // What the media node said is about the engine that is gone; a mesh call has no node to say it.
    this.#quality.clear();
    this.#speakers.setServerDriven(engine.mode === "sfu");
    this.emit(RoomEvent.MediaModeChanged, engine.mode);
  }

  #addParticipant(info: ParticipantInfo, announce: boolean): void {
    const { user } = info;
    if (user === this.username) return;
    const known = this.#remotes.get(user);
    if (known !== undefined) {
      known.name = info.name ?? known.name;
      known.permissions = info.permissions ?? known.permissions;
      return;
    }
    const remote: Remote = {
      username: user,
      name: info.name,
      permissions: info.permissions,
      media: { ...UNKNOWN_MEDIA },
      tracks: noTracks(),
      link: "connecting",
    };
    this.#remotes.set(user, remote);
    this.#engine?.addPeer(user);
    if (announce) this.emit(RoomEvent.Notice, t("notice.joined", { name: info.name ?? user }));
    this.emit(RoomEvent.ParticipantConnected, this.#participant(remote));
  }

  #removeParticipant(user: string): void {
    const remote = this.#remotes.get(user);
    if (remote === undefined) return;
    this.#remotes.delete(user);
    if (this.#hands.lower(user)) this.emit(RoomEvent.HandsChanged, this.#hands.order());
    this.#engine?.removePeer(user);
    if (this.#activeSpeaker === user) this.#setSpeaker(null);
    this.emit(RoomEvent.Notice, t("notice.left", { name: remote.name ?? user }));
    this.emit(RoomEvent.ParticipantDisconnected, this.#participant(remote));
  }

  #onMediaState(user: string, flags: MediaFlags): void {
    const remote = this.#remotes.get(user);
    if (remote === undefined) return;
    remote.media = flags;
    this.emit(RoomEvent.ParticipantMediaChanged, this.#participant(remote));
  }

  #onHandRaised(hand: RaisedHand): void {
    if (hand.user === this.username) this.#wantHand = true;
    if (this.#hands.raise(hand)) this.emit(RoomEvent.HandsChanged, this.#hands.order());
  }

  #onHandLowered(user: string, by: string | undefined): void {
    if (user === this.username) {
      this.#wantHand = false;
      if (by !== undefined && by !== this.username) {
        const name = this.#remotes.get(by)?.name ?? by;
        this.emit(RoomEvent.Notice, t("hand.loweredBy", { name }));
      }
    }
    if (this.#hands.lower(user)) this.emit(RoomEvent.HandsChanged, this.#hands.order());
  }

  /** Audio levels for the speaker detector, kept for the level bars and told as `AudioLevels`. */
  async #readLevels(): Promise<Map<string, number>> {
    const levels = (await this.#engine?.audioLevels()) ?? new Map<string, number>();
    if (this.#closed) return levels;
    this.#levels = levels;
    this.emit(RoomEvent.AudioLevels, levels);
    return levels;
  }

  #onLinkState(user: string, state: LinkState): void {
    const remote = this.#remotes.get(user);
    if (remote === undefined || remote.link === state) return;
    remote.link = state;
    this.emit(RoomEvent.LinkStateChanged, this.#participant(remote), state);
  }

  #onRemoteTrack(user: string, source: TrackSource, track: MediaStreamTrack | null): void {
    const remote = this.#remotes.get(user);
    if (remote === undefined) return;
    remote.tracks = { ...remote.tracks, [source]: track };
    if (track === null) this.emit(RoomEvent.TrackUnsubscribed, this.#participant(remote), source);
    else this.emit(RoomEvent.TrackSubscribed, this.#participant(remote), source, track);
  }

  #onChat(data: ServerData<"chat-message">): void {
    const isLocal = data.from === this.username;
    const name = isLocal ? (this.#displayName ?? data.from) : (this.#remotes.get(data.from)?.name ?? data.from);
    const entry: ChatEntry = { id: ++this.#chatId, ...data, name, isLocal };
    this.chat = [...this.chat.slice(-499), entry];
    this.emit(RoomEvent.ChatMessage, entry);
  }

  #onQuality(user: string, quality: ConnectionQuality): void {
    if (this.#quality.get(user) === quality) return;
    this.#quality.set(user, quality);
    const participant =
      user === this.username
        ? this.#localParticipant()
        : this.#remotes.has(user)
          ? this.#participant(this.#remotes.get(user) as Remote)
          : undefined;
    if (participant !== undefined) this.emit(RoomEvent.ConnectionQualityChanged, participant, quality);
  }

  #setSpeaker(speaker: string | null): void {
    if (speaker === this.#activeSpeaker) return;
    this.#activeSpeaker = speaker;
    this.emit(RoomEvent.ActiveSpeakerChanged, speaker);
  }

  /**
   * Every failure of the call ends here: logged with its cause, and shown to the user unless
   * it only says that the connection dropped (the status shows that, and the rejoin rebuilds
   * the media engine with what we send).
   */
  #problem(message: string, cause: unknown): void {
    if (this.#closed) return;
    console.warn(`huddle: ${message}`, cause);
    if (cause instanceof SignalingError && cause.code === "closed") return;
    this.emit(RoomEvent.Problem, message);
  }
}
