import { t } from "../i18n/index.ts";
import { withOpusNack } from "./audioRepairs.ts";
import { sentVideo } from "./sentVideo.ts";
import type { LinkState, OutboundVideoStat, TrackSource } from "./types.ts";

/**
 * Every link carries exactly three sendrecv m-lines, in this order: microphone, camera,
 * screen. The offering side creates them; the answering side adopts the ones the offer
 * created (same order), so on both sides transceiver i carries SOURCE_ORDER[i] both ways.
 */
const SOURCE_ORDER: readonly TrackSource[] = ["microphone", "camera", "screen"];
const KIND_OF: Record<TrackSource, "audio" | "video"> = { microphone: "audio", camera: "video", screen: "video" };

export type Signal = { description: RTCSessionDescriptionInit } | { candidate: RTCIceCandidateInit };

export interface PeerLinkOptions {
  remote: string;
  /** The polite peer yields when both offer at once; exactly one side of a pair is polite. */
  polite: boolean;
  sending: Record<TrackSource, MediaStreamTrack | null>;
  signal: (signal: Signal) => void;
  onTrack: (source: TrackSource, track: MediaStreamTrack | null) => void;
  onState: (state: LinkState) => void;
  /** A negotiation step failed (not called once closed). */
  onProblem: (message: string, cause: unknown) => void;
  rtcConfig?: RTCConfiguration;
}

/**
 * One RTCPeerConnection to one remote participant, negotiated with the "perfect negotiation"
 * pattern (W3C WebRTC spec, section 10): either side may offer at any time (an ICE restart,
 * say); on a collision the impolite side ignores the incoming offer and the polite side
 * rolls back and answers, so simultaneous offers never deadlock.
 *
 * The first negotiation is made collision-free on purpose: only the impolite side offers,
 * and the polite side answers on the transceivers that offer created. (Chromium 156 here
 * sometimes never gathers ICE candidates again after a polite rollback; avoiding the
 * collision on every join also saves a round trip.) Media is switched with `replaceTrack`,
 * so muting, turning the camera off and sharing the screen need no renegotiation.
 */
export class PeerLink {
  readonly remote: string;
  readonly polite: boolean;
  readonly pc: RTCPeerConnection;
  #options: PeerLinkOptions;
  #stream = new MediaStream();
  #sending: Record<TrackSource, MediaStreamTrack | null>;
  /** The three transceivers in SOURCE_ORDER, once created (offerer) or adopted (answerer). */
  #transceivers: RTCRtpTransceiver[] = [];
  #makingOffer = false;
  #ignoreOffer = false;
  #settingRemoteAnswer = false;
  /** Incoming descriptions and candidates are applied strictly in arrival order. */
  #incoming: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: PeerLinkOptions) {
    this.#options = options;
    this.remote = options.remote;
    this.polite = options.polite;
    this.#sending = { ...options.sending };
    const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle", ...options.rtcConfig });
    this.pc = pc;
    pc.onnegotiationneeded = () => void this.#negotiate();
    pc.onicecandidate = ({ candidate }) => {
      if (candidate !== null && candidate.candidate !== "") options.signal({ candidate: candidate.toJSON() });
    };
    pc.ontrack = (event) => this.#onTrack(event);
    pc.onconnectionstatechange = () => this.#onConnectionState();
    if (!this.polite) {
      // Adding the transceivers fires negotiationneeded: the impolite side makes the first offer.
      this.#transceivers = SOURCE_ORDER.map((source) =>
        pc.addTransceiver(this.#sending[source] ?? KIND_OF[source], { direction: "sendrecv", streams: [this.#stream] }),
      );
    }
  }

  /** Applies a description or candidate relayed from the remote side. */
  receive(signal: Signal): void {
    this.#incoming = this.#incoming
      .then(() =>
        "description" in signal ? this.#onDescription(signal.description) : this.#onCandidate(signal.candidate),
      )
      .catch((error: unknown) => {
        if (!this.#closed) this.#options.onProblem(t("problem.negotiate", { name: this.remote }), error);
      });
  }

  async setLocalTrack(source: TrackSource, track: MediaStreamTrack | null): Promise<void> {
    this.#sending[source] = track;
    const transceiver = this.#transceivers[SOURCE_ORDER.indexOf(source)];
    if (this.#closed || transceiver === undefined) return;
    await transceiver.sender.replaceTrack(track);
  }

  /** `framesDecoded` of the remote camera and screen tracks. */
  async inboundVideo(): Promise<{ source: TrackSource; framesDecoded: number }[]> {
    const out: { source: TrackSource; framesDecoded: number }[] = [];
    for (const [index, transceiver] of this.#transceivers.entries()) {
      const source = SOURCE_ORDER[index];
      if (source === undefined || source === "microphone") continue;
      const stats = await transceiver.receiver.getStats();
      let framesDecoded = 0;
      stats.forEach((report: RTCStats & { framesDecoded?: number }) => {
        if (report.type === "inbound-rtp") framesDecoded = report.framesDecoded ?? 0;
      });
      out.push({ source, framesDecoded });
    }
    return out;
  }

  /** What we send them per video source that has a track (layers, frame heights). */
  async outboundVideo(): Promise<OutboundVideoStat[]> {
    const out: OutboundVideoStat[] = [];
    for (const [index, transceiver] of this.#transceivers.entries()) {
      const source = SOURCE_ORDER[index];
      if (source === undefined || source === "microphone" || transceiver.sender.track === null) continue;
      out.push({ source, ...sentVideo(await transceiver.sender.getStats()) });
    }
    return out;
  }

  /** Audio packets received from them so far (null before the microphone m-line exists). */
  async inboundAudioPackets(): Promise<number | null> {
    const microphone = this.#transceivers[0];
    if (microphone === undefined) return null;
    let packets = 0;
    (await microphone.receiver.getStats()).forEach((report: RTCStats & { packetsReceived?: number }) => {
      if (report.type === "inbound-rtp") packets = report.packetsReceived ?? 0;
    });
    return packets;
  }

  /** Audio level (0..1) of what the remote side sends us, and of what we send them. */
  async audioLevels(): Promise<{ remote: number | null; local: number | null }> {
    let remote: number | null = null;
    let local: number | null = null;
    const microphone = this.#transceivers[0];
    if (microphone === undefined) return { remote, local };
    (await microphone.receiver.getStats()).forEach((report: RTCStats & { audioLevel?: number }) => {
      if (report.type === "inbound-rtp" && typeof report.audioLevel === "number") remote = report.audioLevel;
    });
    if (microphone.sender.track !== null) {
      (await microphone.sender.getStats()).forEach((report: RTCStats & { audioLevel?: number }) => {
        if (report.type === "media-source" && typeof report.audioLevel === "number") local = report.audioLevel;
      });
    }
    return { remote, local };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.pc.onnegotiationneeded = null;
    this.pc.onicecandidate = null;
    this.pc.ontrack = null;
    this.pc.onconnectionstatechange = null;
    this.pc.close();
    for (const source of SOURCE_ORDER.slice(0, this.#transceivers.length)) this.#options.onTrack(source, null);
    this.#transceivers = [];
  }

  async #negotiate(): Promise<void> {
    if (this.#closed) return;
    try {
      this.#makingOffer = true;
      await this.pc.setLocalDescription();
      const description = this.pc.localDescription;
      if (description !== null && !this.#closed) this.#options.signal({ description: description.toJSON() });
    } catch (error) {
      if (!this.#closed) this.#options.onProblem(t("problem.offer", { name: this.remote }), error);
    } finally {
      this.#makingOffer = false;
    }
  }

  async #onDescription(description: RTCSessionDescriptionInit): Promise<void> {
    if (this.#closed) return;
    const pc = this.pc;
    const readyForOffer = !this.#makingOffer && (pc.signalingState === "stable" || this.#settingRemoteAnswer);
    const offerCollision = description.type === "offer" && !readyForOffer;
    this.#ignoreOffer = !this.polite && offerCollision;
    if (this.#ignoreOffer) return;
    this.#settingRemoteAnswer = description.type === "answer";
    try {
      // With Opus NACK added: lost audio is asked for and resent between the two browsers.
      await pc.setRemoteDescription(withOpusNack(description)); // rolls back our own offer when polite
    } finally {
      this.#settingRemoteAnswer = false;
    }
    if (description.type === "offer") {
      if (this.#transceivers.length === 0) this.#adoptTransceivers();
      await pc.setLocalDescription();
      const answer = pc.localDescription;
      if (answer !== null && !this.#closed) this.#options.signal({ description: answer.toJSON() });
    }
  }

  /** Answering side, first offer: send on the transceivers the offer created, before answering. */
  #adoptTransceivers(): void {
    const offered = this.pc.getTransceivers();
    if (
      offered.length !== SOURCE_ORDER.length ||
      offered.some((t, i) => t.receiver.track.kind !== KIND_OF[SOURCE_ORDER[i] ?? "camera"])
    ) {
      throw new Error(`unexpected offer from ${this.remote}: ${offered.length} m-lines`);
    }
    for (const [index, transceiver] of offered.entries()) {
      const source = SOURCE_ORDER[index] ?? "camera";
      transceiver.direction = "sendrecv";
      transceiver.sender.setStreams(this.#stream);
      void transceiver.sender.replaceTrack(this.#sending[source]);
    }
    this.#transceivers = offered;
  }

  async #onCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (this.#closed) return;
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      if (!this.#ignoreOffer) throw error; // candidates of an offer we ignored are expected to fail
    }
  }

  #onTrack(event: RTCTrackEvent): void {
    const source = SOURCE_ORDER[this.pc.getTransceivers().indexOf(event.transceiver)];
    if (source === undefined || KIND_OF[source] !== event.track.kind) {
      this.#options.onProblem(
        t("problem.unexpectedTrack", { name: this.remote }),
        new Error(`no ${event.track.kind} m-line at this position`),
      );
      return;
    }
    this.#options.onTrack(source, event.track);
  }

  #onConnectionState(): void {
    const state = this.pc.connectionState;
    if (state === "connected") this.#options.onState("connected");
    else if (state === "failed") {
      this.#options.onState("failed");
      this.pc.restartIce(); // fires negotiationneeded: a new offer with fresh ICE credentials
    } else if (state === "new" || state === "connecting") this.#options.onState("connecting");
  }
}
