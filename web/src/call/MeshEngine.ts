import { t } from "../i18n/index.ts";
import type { EngineHost, MediaEngine } from "./MediaEngine.ts";
import { PeerLink, type Signal } from "./PeerLink.ts";
import { RepairDelay } from "./repairDelay.ts";
import type { InboundAudioStat, InboundVideoStat, OutboundVideoStat, SourceTracks, TrackSource } from "./types.ts";

/**
 * Peer-to-peer mesh: one `PeerLink` per other participant, negotiated over the edge's
 * `webrtc-offer` / `webrtc-answer` / `webrtc-ice-candidate` relay. Both sides of a pair
 * start negotiating as soon as they know of each other; perfect negotiation sorts out the
 * collision. The polite side is the one whose username sorts first.
 */
export class MeshEngine implements MediaEngine {
  readonly mode = "mesh";
  #host: EngineHost;
  #rtcConfig: RTCConfiguration;
  /** What every link sends (a link that starts later starts with these). */
  #sending: SourceTracks;
  #links = new Map<string, PeerLink>();
  /** Holds remote video back for retransmissions while the network loses packets (repairDelay.ts). */
  #repairDelay = new RepairDelay(() => [...this.#links.values()].flatMap((link) => link.pc.getReceivers()));
  #unsubscribe: (() => void)[];
  #closed = false;

  constructor(host: EngineHost, sending: SourceTracks, rtcConfig: RTCConfiguration = {}) {
    this.#host = host;
    this.#sending = { ...sending };
    this.#rtcConfig = rtcConfig;
    const signaling = host.signaling;
    this.#unsubscribe = [
      signaling.onMessage("webrtc-offer", (data) => this.#relayed(data.from, { description: data.payload })),
      signaling.onMessage("webrtc-answer", (data) => this.#relayed(data.from, { description: data.payload })),
      signaling.onMessage("webrtc-ice-candidate", (data) => this.#relayed(data.from, { candidate: data.payload })),
    ];
  }

  addPeer(user: string): void {
    if (this.#closed || user === this.#host.username || this.#links.has(user)) return;
    const host = this.#host;
    const link = new PeerLink({
      remote: user,
      polite: host.username < user,
      sending: this.#sending,
      signal: (signal) => this.#send(user, signal),
      onTrack: (source, track) => host.onRemoteTrack(user, source, track),
      onState: (state) => host.onLinkState(user, state),
      onProblem: (message, cause) => {
        if (!this.#closed) host.onProblem(message, cause);
      },
      rtcConfig: this.#rtcConfig,
    });
    this.#links.set(user, link);
    host.onLinkState(user, "connecting");
  }

  removePeer(user: string): void {
    const link = this.#links.get(user);
    if (link === undefined) return;
    this.#links.delete(user);
    link.close();
  }

  async setLocalTrack(source: TrackSource, track: MediaStreamTrack | null): Promise<void> {
    this.#sending[source] = track;
    await Promise.all(
      [...this.#links.values()].map((link) =>
        link.setLocalTrack(source, track).catch((error: unknown) => {
          if (!this.#closed) this.#host.onProblem(t(`problem.sendTo.${source}`, { name: link.remote }), error);
        }),
      ),
    );
  }

  /** Every link sends the same tracks: the first link's figures stand for all. */
  async outboundVideoStats(): Promise<OutboundVideoStat[]> {
    const first = this.#links.values().next();
    return first.done === true ? [] : first.value.outboundVideo();
  }

  producerIds(): Partial<Record<TrackSource, string>> {
    return {};
  }

  async inboundAudioStats(): Promise<InboundAudioStat[]> {
    const out: InboundAudioStat[] = [];
    for (const link of this.#links.values()) {
      const packetsReceived = await link.inboundAudioPackets();
      if (packetsReceived !== null) out.push({ user: link.remote, packetsReceived, paused: false });
    }
    return out;
  }

  async inboundVideoStats(): Promise<InboundVideoStat[]> {
    const perLink = await Promise.all(
      [...this.#links.values()].map(async (link) =>
        (await link.inboundVideo()).map((stat) => ({ user: link.remote, ...stat })),
      ),
    );
    return perLink.flat();
  }

  async audioLevels(): Promise<Map<string, number>> {
    const levels = new Map<string, number>();
    for (const link of this.#links.values()) {
      const { remote, local } = await link.audioLevels();
      if (remote !== null) levels.set(link.remote, remote);
      if (local !== null) levels.set(this.#host.username, Math.max(local, levels.get(this.#host.username) ?? 0));
    }
    return levels;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#repairDelay.close();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const link of this.#links.values()) link.close();
    this.#links.clear();
  }

  #relayed(from: string, signal: Signal): void {
    // The edge sends `user-joined` before anything that user relays, so a relay from someone
    // without a link is stale (they left, or we rejoined since): dropped.
    if (this.#closed) return;
    this.#links.get(from)?.receive(signal);
  }

  #send(target: string, signal: Signal): void {
    const signaling = this.#host.signaling;
    if ("candidate" in signal) {
      signaling.send("webrtc-ice-candidate", { target, payload: signal.candidate });
    } else if (signal.description.type === "offer") {
      signaling.send("webrtc-offer", { target, payload: signal.description });
    } else {
      signaling.send("webrtc-answer", { target, payload: signal.description });
    }
  }
}
