import type { ServerData, SfuInfo } from "@huddle/protocol";
import { Emitter } from "../events.ts";
import { type ConnectionStatus, SignalingClient } from "../signaling/SignalingClient.ts";
import type { LocalMedia } from "./LocalMedia.ts";
import type { EngineHost, MediaEngine } from "./MediaEngine.ts";
import { MeshEngine } from "./MeshEngine.ts";
import { SpeakerDetector } from "./SpeakerDetector.ts";
import {
  type CallMode,
  type InboundVideoStat,
  type LinkState,
  type MediaFlags,
  noTracks,
  type OutboundVideoStat,
  type SourceTracks,
  TRACK_SOURCES,
  type TrackSource,
} from "./types.ts";

export interface Participant {
  username: string;
  isLocal: boolean;
  /** What they say they send (`media-state`); unknown senders count as sending everything. */
  media: MediaFlags;
  /** Their tracks as received here (for the local participant: what we capture). */
  tracks: SourceTracks;
  /** The media path to them; null for the local participant. */
  link: LinkState | null;
  speaking: boolean;
}

export interface ChatEntry {
  id: number;
  from: string;
  text: string;
  /** ISO 8601, stamped by the server. */
  timestamp: string;
  isLocal: boolean;
}

export interface RoomOptions {
  edgeUrl: string;
  roomId: string;
  username: string;
  media: LocalMedia;
  /** STUN/TURN servers for the mesh (deployment setting). */
  iceServers?: RTCIceServer[];
}

interface RoomEvents extends Record<string, unknown[]> {
  /** Participants, tracks, flags or the active speaker changed. */
  change: [];
  chat: [ChatEntry];
  status: [ConnectionStatus];
  /** A short message for the user (a toast): someone joined, a problem, ... */
  notice: [string];
}

const UNKNOWN_MEDIA: MediaFlags = { microphone: true, camera: true, screen: false };

/**
 * One call, as the UI sees it (the shape of LiveKit's `Room`): the participants with their
 * tracks and mute flags, the chat, the connection status. It owns the signaling client and
 * exactly one media engine (mesh, or SFU when `joined` carries `sfu`), and rebuilds the
 * engine on every (re)join and `media-reset`.
 */
export class Room extends Emitter<RoomEvents> {
  readonly roomId: string;
  readonly username: string;
  readonly signaling: SignalingClient;
  readonly media: LocalMedia;
  readonly iceServers: RTCIceServer[];
  chat: ChatEntry[] = [];
  #participants = new Map<string, Participant>();
  #engine: MediaEngine | null = null;
  #mode: CallMode | null = null;
  /** Bumped on every engine change, so a late lazy-loaded engine does not replace a newer one. */
  #engineGeneration = 0;
  /** What the engine was last told to send, per source. */
  #engineTracks: SourceTracks = noTracks();
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
    this.#participants.set(this.username, {
      username: this.username,
      isLocal: true,
      media: this.media.flags,
      tracks: { ...this.media.sending, microphone: this.media.microphone },
      link: null,
      speaking: false,
    });
    this.#speakers = new SpeakerDetector(
      () => this.#engine?.audioLevels() ?? Promise.resolve(new Map()),
      (speaker) => this.#setSpeaker(speaker),
    );
    const s = this.signaling;
    this.#unsubscribe.push(
      s.on("status", (status) => this.emit("status", status)),
      s.on("joined", (data) => this.#onJoined(data)),
      s.onMessage("user-joined", ({ user }) => this.#addParticipant(user, true)),
      s.onMessage("user-left", ({ user }) => this.#removeParticipant(user)),
      s.onMessage("media-state", ({ user, ...flags }) => this.#updateParticipant(user, { media: flags })),
      s.onMessage("chat-message", (data) => this.#onChat(data)),
      s.onMessage("media-reset", ({ reason, sfu }) => {
        this.emit("notice", `Media connection reset (${reason}); reconnecting media…`);
        this.#startEngine(sfu);
      }),
      s.onMessage("error", ({ code, message }) => {
        console.warn(`huddle: edge error ${code}: ${message}`);
        if (code === "rate-limited") this.emit("notice", "Slow down: too many messages.");
      }),
      this.media.on("change", () => this.#onLocalMediaChange()),
    );
  }

  get status(): ConnectionStatus {
    return this.signaling.status;
  }

  /** How media travels in this call, known from `joined` on (the SFU client may still be loading). */
  get mode(): CallMode | null {
    return this.#mode;
  }

  /** Local participant first, then everyone else in the order they joined. */
  get participants(): Participant[] {
    return [...this.#participants.values()];
  }

  /**
   * Sends a chat message; it appears when the server echoes it (with the name it knows).
   * False when there is nothing to send or no connection; a message the edge refuses for
   * the moment (`rate-limited`) is sent again, and one that still fails shows a notice.
   */
  sendChat(text: string): boolean {
    const trimmed = text.trim();
    if (trimmed === "" || this.signaling.status.state !== "connected") return false;
    const data = { from: this.username, text: trimmed, timestamp: new Date().toISOString() };
    this.signaling.request("chat-message", data, "chat-message").then(
      (echo) => this.#onChat(echo),
      (error: unknown) => this.emit("notice", `Message not sent: ${(error as Error).message}`),
    );
    return true;
  }

  setMicrophoneEnabled(enabled: boolean): Promise<void> {
    return this.media.setMicrophoneEnabled(enabled);
  }

  setCameraEnabled(enabled: boolean): Promise<void> {
    return this.media.setCameraEnabled(enabled);
  }

  startScreenShare(): Promise<void> {
    return this.media.startScreen();
  }

  stopScreenShare(): void {
    this.media.stopScreen();
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

  #onJoined(data: ServerData<"joined">): void {
    for (const username of [...this.#participants.keys()]) {
      if (username !== this.username && !data.users.includes(username)) this.#removeParticipant(username);
    }
    for (const user of data.users) this.#addParticipant(user, false);
    for (const { user, ...flags } of data.media ?? []) this.#updateParticipant(user, { media: flags });
    this.#startEngine(data.sfu);
    this.signaling.send("media-state", this.media.flags);
  }

  #startEngine(sfu: SfuInfo | undefined): void {
    this.#engine?.close();
    for (const participant of this.#participants.values()) {
      if (!participant.isLocal) {
        participant.tracks = noTracks();
        participant.link = "connecting";
      }
    }
    const host: EngineHost = {
      signaling: this.signaling,
      username: this.username,
      sending: () => this.media.sending,
      onRemoteTrack: (user, source, track) => this.#onRemoteTrack(user, source, track),
      onLinkState: (user, state) => this.#updateParticipant(user, { link: state }),
      onProblem: (message) => this.emit("notice", message),
    };
    this.#engineTracks = { ...this.media.sending };
    const generation = ++this.#engineGeneration;
    const install = (engine: MediaEngine) => {
      if (this.#closed || generation !== this.#engineGeneration) {
        engine.close();
        return;
      }
      this.#engine = engine;
      for (const username of this.#participants.keys()) engine.addPeer(username);
      this.emit("change");
    };
    this.#engine = null;
    this.#mode = sfu === undefined ? "mesh" : "sfu";
    if (sfu === undefined) {
      install(new MeshEngine(host, { iceServers: this.iceServers }));
      return;
    }
    // mediasoup-client is loaded only for SFU calls: a mesh-only page never downloads it.
    // Producers announced while it loads are folded into the snapshot the engine starts from.
    const snapshot: SfuInfo = { ...sfu, producers: [...sfu.producers] };
    const track = [
      this.signaling.onMessage("new-producer", (info) => snapshot.producers.push(info)),
      this.signaling.onMessage("producer-closed", ({ producerId }) => {
        snapshot.producers = snapshot.producers.filter((p) => p.producerId !== producerId);
      }),
    ];
    const untrack = () => {
      for (const off of track) off();
    };
    import("./SfuEngine.ts").then(
      ({ SfuEngine }) => {
        untrack();
        install(new SfuEngine(host, snapshot));
      },
      (error: unknown) => {
        untrack();
        console.error("huddle: could not load the SFU client", error);
        this.emit("notice", "Could not load the media client. Reload the page to try again.");
      },
    );
  }

  #addParticipant(user: string, announce: boolean): void {
    if (user === this.username || this.#participants.has(user)) return;
    this.#participants.set(user, {
      username: user,
      isLocal: false,
      media: { ...UNKNOWN_MEDIA },
      tracks: noTracks(),
      link: "connecting",
      speaking: false,
    });
    this.#engine?.addPeer(user);
    if (announce) this.emit("notice", `${user} joined`);
    this.emit("change");
  }

  #removeParticipant(user: string): void {
    if (user === this.username || !this.#participants.delete(user)) return;
    this.#engine?.removePeer(user);
    this.emit("notice", `${user} left`);
    this.emit("change");
  }

  #updateParticipant(user: string, patch: Partial<Participant>): void {
    const participant = this.#participants.get(user);
    if (participant === undefined) return;
    Object.assign(participant, patch);
    this.emit("change");
  }

  #onRemoteTrack(user: string, source: TrackSource, track: MediaStreamTrack | null): void {
    const participant = this.#participants.get(user);
    if (participant === undefined || participant.isLocal) return;
    participant.tracks = { ...participant.tracks, [source]: track };
    this.emit("change");
  }

  #onLocalMediaChange(): void {
    const local = this.#participants.get(this.username);
    if (local === undefined) return;
    const sending = this.media.sending;
    const flags = this.media.flags;
    const flagsChanged = TRACK_SOURCES.some((source) => local.media[source] !== flags[source]);
    local.tracks = { ...sending, microphone: this.media.microphone };
    local.media = flags;
    for (const source of TRACK_SOURCES) {
      if (this.#engineTracks[source] === sending[source]) continue;
      this.#engineTracks[source] = sending[source];
      this.#engine?.setLocalTrack(source, sending[source]).catch((error: unknown) => {
        console.warn(`huddle: could not update ${source}`, error);
        this.emit("notice", `Could not update your ${source}.`);
      });
    }
    if (flagsChanged) this.signaling.send("media-state", flags);
    this.emit("change");
  }

  #onChat(data: ServerData<"chat-message">): void {
    const entry: ChatEntry = { id: ++this.#chatId, ...data, isLocal: data.from === this.username };
    this.chat = [...this.chat.slice(-499), entry];
    this.emit("chat", entry);
  }

  #setSpeaker(speaker: string | null): void {
    let changed = false;
    for (const participant of this.#participants.values()) {
      const speaking = participant.username === speaker;
      if (participant.speaking !== speaking) {
        participant.speaking = speaking;
        changed = true;
      }
    }
    if (changed) this.emit("change");
  }
}
