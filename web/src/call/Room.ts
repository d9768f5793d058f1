import type { ServerData, SfuInfo } from "@huddle/protocol";
import { Emitter } from "../events.ts";
import { type ConnectionStatus, SignalingClient, SignalingError } from "../signaling/SignalingClient.ts";
import type { LocalMedia } from "./LocalMedia.ts";
import type { EngineHost, MediaEngine } from "./MediaEngine.ts";
import { MeshEngine } from "./MeshEngine.ts";
import { type ChatEntry, type Participant, ROOM_STATE_EVENTS, RoomEvent, type RoomEvents } from "./RoomEvent.ts";
import { SfuEngine } from "./SfuEngine.ts";
import { SpeakerDetector } from "./SpeakerDetector.ts";
import {
  type CallMode,
  type InboundVideoStat,
  type LinkState,
  type MediaFlags,
  noTracks,
  type OutboundVideoStat,
  type SourceTracks,
  type TrackSource,
} from "./types.ts";

export { type ChatEntry, type Participant, ROOM_STATE_EVENTS, RoomEvent, type RoomEvents };

export interface RoomOptions {
  edgeUrl: string;
  roomId: string;
  username: string;
  media: LocalMedia;
  /** STUN/TURN servers for the mesh (deployment setting). */
  iceServers?: RTCIceServer[];
}

/** What the room knows of someone else: what they say they send, what arrived, the path to them. */
interface Remote {
  username: string;
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
 */
export class Room extends Emitter<RoomEvents> {
  readonly roomId: string;
  readonly username: string;
  readonly signaling: SignalingClient;
  readonly media: LocalMedia;
  readonly iceServers: RTCIceServer[];
  chat: ChatEntry[] = [];
  #remotes = new Map<string, Remote>();
  #engine: MediaEngine | null = null;
  #activeSpeaker: string | null = null;
  #speakers: SpeakerDetector;
  #chatId = 0;
  #unsubscribe: (() => void)[] = [];
  #closed = false;

  /** Connects and joins; rejects with a `SignalingError` (`username-taken`, `room-full`, ...). */
  static async join(options: RoomOptions): Promise<Room> {
    const room = new Room(options);
    try {
      await room.signaling.join();
    } catch (error) {
      room.#dispose();
      throw error;
    }
    return room;
  }

  private constructor(options: RoomOptions) {
    super();
    this.roomId = options.roomId;
    this.username = options.username;
    this.media = options.media;
    this.iceServers = options.iceServers ?? [];
    this.signaling = new SignalingClient(options.edgeUrl, { roomId: options.roomId, username: options.username });
    this.#speakers = new SpeakerDetector(
      () => this.#engine?.audioLevels() ?? Promise.resolve(new Map()),
      (speaker) => this.#setSpeaker(speaker),
    );
    const s = this.signaling;
    this.#unsubscribe.push(
      s.on("status", (status) => this.emit(RoomEvent.ConnectionStatusChanged, status)),
      s.on("joined", (data) => this.#onJoined(data)),
      s.onMessage("user-joined", ({ user }) => this.#addParticipant(user, true)),
      s.onMessage("user-left", ({ user }) => this.#removeParticipant(user)),
      s.onMessage("media-state", ({ user, ...flags }) => this.#onMediaState(user, flags)),
      s.onMessage("chat-message", (data) => this.#onChat(data)),
      s.onMessage("media-reset", ({ reason, sfu }) => {
        this.emit(RoomEvent.Notice, `Media connection reset (${reason}); reconnecting media…`);
        this.#startEngine(sfu);
      }),
      s.onMessage("error", ({ code, message }) => {
        // Replies to requests go to their request; this is a refusal of something sent without one.
        console.warn(`huddle: edge error ${code}: ${message}`);
        if (code === "rate-limited") this.emit(RoomEvent.Notice, "Slow down: too many messages.");
      }),
      // The browser's own "Stop sharing" button.
      this.media.on("screen-ended", () => this.#publish("screen", null)),
    );
  }

  get status(): ConnectionStatus {
    return this.signaling.status;
  }

  /** How media travels in this call, known from `joined` on. */
  get mode(): CallMode | null {
    return this.#engine?.mode ?? null;
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
    if (trimmed === "" || this.signaling.status.state !== "connected") return false;
    const data = { from: this.username, text: trimmed, timestamp: new Date().toISOString() };
    this.signaling.request("chat-message", data, "chat-message").then(
      (echo) => this.#onChat(echo),
      (error: unknown) => this.#problem(`Message not sent: ${(error as Error).message}`, error),
    );
    return true;
  }

  /** Rejects with a `MediaError` when the microphone cannot be opened. */
  async setMicrophoneEnabled(enabled: boolean): Promise<void> {
    this.#publish("microphone", await this.media.setMicrophoneEnabled(enabled));
  }

  /** Rejects with a `MediaError` when the camera cannot be opened. */
  async setCameraEnabled(enabled: boolean): Promise<void> {
    this.#publish("camera", await this.media.setCameraEnabled(enabled));
  }

  /** Rejects with a `MediaError` when the screen cannot be captured (or the person declined). */
  async startScreenShare(): Promise<void> {
    this.#publish("screen", await this.media.startScreen());
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
    this.#engine?.close();
    this.#engine = null;
    this.signaling.close();
    this.removeAllListeners();
  }

  #localParticipant(): Participant {
    return {
      username: this.username,
      isLocal: true,
      media: this.media.flags,
      tracks: { ...this.media.sending, microphone: this.media.microphone },
      link: null,
      speaking: this.#activeSpeaker === this.username,
    };
  }

  #participant(remote: Remote): Participant {
    return { ...remote, isLocal: false, speaking: this.#activeSpeaker === remote.username };
  }

  /** What we send for `source` changed: the engine sends it, the others hear of it. */
  #publish(source: TrackSource, track: MediaStreamTrack | null): void {
    if (this.#closed) return;
    this.#engine?.setLocalTrack(source, track);
    this.signaling.send("media-state", this.media.flags);
    this.emit(RoomEvent.LocalTrackChanged, source, track);
    this.emit(RoomEvent.ParticipantMediaChanged, this.#localParticipant());
  }

  #onJoined(data: ServerData<"joined">): void {
    for (const username of [...this.#remotes.keys()]) {
      if (!data.users.includes(username)) this.#removeParticipant(username);
    }
    for (const user of data.users) this.#addParticipant(user, false);
    for (const { user, ...flags } of data.media ?? []) this.#onMediaState(user, flags);
    this.#startEngine(data.sfu);
    this.signaling.send("media-state", this.media.flags);
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
    };
    const sending = this.media.sending;
    const engine: MediaEngine =
      sfu === undefined
        ? new MeshEngine(host, sending, { iceServers: this.iceServers })
        : new SfuEngine(host, sfu, sending);
    this.#engine = engine;
    for (const username of this.#remotes.keys()) engine.addPeer(username);
    this.emit(RoomEvent.MediaModeChanged, engine.mode);
  }

  #addParticipant(user: string, announce: boolean): void {
    if (user === this.username || this.#remotes.has(user)) return;
    const remote: Remote = { username: user, media: { ...UNKNOWN_MEDIA }, tracks: noTracks(), link: "connecting" };
    this.#remotes.set(user, remote);
    this.#engine?.addPeer(user);
    if (announce) this.emit(RoomEvent.Notice, `${user} joined`);
    this.emit(RoomEvent.ParticipantConnected, this.#participant(remote));
  }

  #removeParticipant(user: string): void {
    const remote = this.#remotes.get(user);
    if (remote === undefined) return;
    this.#remotes.delete(user);
    this.#engine?.removePeer(user);
    if (this.#activeSpeaker === user) this.#setSpeaker(null);
    this.emit(RoomEvent.Notice, `${user} left`);
    this.emit(RoomEvent.ParticipantDisconnected, this.#participant(remote));
  }

  #onMediaState(user: string, flags: MediaFlags): void {
    const remote = this.#remotes.get(user);
    if (remote === undefined) return;
    remote.media = flags;
    this.emit(RoomEvent.ParticipantMediaChanged, this.#participant(remote));
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
    const entry: ChatEntry = { id: ++this.#chatId, ...data, isLocal: data.from === this.username };
    this.chat = [...this.chat.slice(-499), entry];
    this.emit(RoomEvent.ChatMessage, entry);
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
