/// <reference lib="dom" />
// What the network suite reads from a page's own RTCPeerConnections (the client's window.__huddle
// stats carry only frame counts): an init script keeps every RTCPeerConnection the page makes in
// a list, optionally with the test's changes to how it is set up (force TURN relay, or switch the
// loss protection off for a benchmark's baseline), and `networkStats` reads their getStats().
import type { BrowserContext, Page } from "playwright-core";

export interface PeerConnectionOptions {
  /** iceTransportPolicy "relay": only TURN relay candidates (proves a call through TURN). */
  forceRelay?: boolean;
  /**
   * The benchmark's "protection off": every remote description loses its `nack` feedback (no
   * retransmission requests, so no RTX) and Opus in-band FEC (`useinbandfec=0`).
   */
  protectionOff?: boolean;
  /**
   * The client's playout target for repairs stays the browser's own (web/src/call/repairDelay.ts:
   * setting RTCRtpReceiver.jitterBufferTarget does nothing). Implied by `protectionOff`.
   */
  repairDelayOff?: boolean;
}

/** Adds the tracker to `context` (before the page navigates: init scripts run on each load). */
export async function trackPeerConnections(
  context: BrowserContext,
  options: PeerConnectionOptions = {},
): Promise<void> {
  await context.addInitScript((opts: PeerConnectionOptions) => {
    const Native = window.RTCPeerConnection;
    const list: RTCPeerConnection[] = [];
    // mediasoup-client writes a parameterless feedback with a trailing space ("a=rtcp-fb:101 nack \r\n",
    // sdp-transform's format for an empty parameter): without ` *` the nack lines stayed, and the
    // "protection off" baseline retransmitted just as much as the call it was compared with.
    const strip = (sdp: string) =>
      sdp.replace(/a=rtcp-fb:\d+ nack *\r\n/g, "").replace(/useinbandfec=1/g, "useinbandfec=0");
    class Tracked extends Native {
      constructor(config?: RTCConfiguration) {
        super(opts.forceRelay ? { ...config, iceTransportPolicy: "relay" } : config);
        list.push(this);
      }
      override setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
        if (opts.protectionOff && description.sdp !== undefined) {
          return super.setRemoteDescription({ type: description.type, sdp: strip(description.sdp) });
        }
        return super.setRemoteDescription(description);
      }
    }
    if (opts.protectionOff || opts.repairDelayOff) {
      Object.defineProperty(RTCRtpReceiver.prototype, "jitterBufferTarget", {
        configurable: true,
        get: () => null,
        set: () => {},
      });
    }
    (window as unknown as { __networkPcs: RTCPeerConnection[] }).__networkPcs = list;
    window.RTCPeerConnection = Tracked as typeof RTCPeerConnection;
  }, options);
}

export interface InboundVideoReport {
  /** From the tile that shows the track (data-user, data-source); "" when not on screen. */
  user: string;
  source: string;
  framesDecoded: number;
  frameHeight: number;
  freezeCount: number;
  totalFreezesDuration: number;
  packetsReceived: number;
  packetsLost: number;
  nackCount: number;
  bytesReceived: number;
  /** Its receiver's jitterBufferTarget in ms (the client's repair delay); null: the browser's own. */
  playoutTargetMs: number | null;
}

export interface InboundAudioReport {
  packetsReceived: number;
  packetsLost: number;
  totalSamplesReceived: number;
  concealedSamples: number;
  silentConcealedSamples: number;
  fecPacketsReceived: number;
  /** NACKs this receiver sent for lost audio. */
  nackCount: number;
}

export interface SelectedPair {
  /** The pair's local candidate: udp or tcp, host / relay / prflx / srflx, its port. */
  protocol: string;
  localType: string;
  localPort: number;
  remoteType: string;
  remotePort: number;
  /** This connection receives video (the SFU's receive transport, or a mesh link). */
  receivesVideo: boolean;
}

export interface NetworkStats {
  video: InboundVideoReport[];
  audio: InboundAudioReport[];
  pairs: SelectedPair[];
  /**
   * The remote descriptions of the connections that send our microphone ask for Opus in-band
   * FEC (`useinbandfec=1`, so the encoder adds it under loss); null when we send no audio.
   */
  sendsOpusFec: boolean | null;
  /** Audio packets this page sent again because a receiver asked (NACK), over all connections. */
  audioResent: number;
}

/** Every open RTCPeerConnection's inbound media and selected candidate pair, read in the page. */
export function networkStats(page: Page): Promise<NetworkStats> {
  return page.evaluate(async () => {
    type Report = Record<string, unknown> & { type: string; id: string };
    const num = (value: unknown) => (typeof value === "number" ? value : 0);
    const str = (value: unknown) => (typeof value === "string" ? value : "");
    const shown = new Map<string, { user: string; source: string }>();
    for (const video of document.querySelectorAll<HTMLVideoElement>("article.tile video")) {
      const tile = video.closest("article.tile");
      const stream = video.srcObject;
      if (tile === null || !(stream instanceof MediaStream)) continue;
      for (const track of stream.getVideoTracks()) {
        shown.set(track.id, {
          user: tile.getAttribute("data-user") ?? "",
          source: tile.getAttribute("data-source") ?? "",
        });
      }
    }
    const out: NetworkStats = { video: [], audio: [], pairs: [], sendsOpusFec: null, audioResent: 0 };
    const pcs = (window as unknown as { __networkPcs?: RTCPeerConnection[] }).__networkPcs ?? [];
    for (const pc of pcs) {
      if (pc.connectionState === "closed") continue;
      if (pc.getSenders().some((sender) => sender.track?.kind === "audio")) {
        const fec = /useinbandfec=1/.test(pc.remoteDescription?.sdp ?? "");
        out.sendsOpusFec = (out.sendsOpusFec ?? true) && fec;
      }
      const reports = new Map<string, Report>();
      (await pc.getStats()).forEach((report: Report) => {
        reports.set(report.id, report);
      });
      const targets = new Map(pc.getReceivers().map((receiver) => [receiver.track.id, receiver.jitterBufferTarget]));
      let receivesVideo = false;
      for (const r of reports.values()) {
        if (r.type === "outbound-rtp" && r.kind === "audio") out.audioResent += num(r.retransmittedPacketsSent);
        if (r.type !== "inbound-rtp") continue;
        if (r.kind === "video") {
          receivesVideo = true;
          const tile = shown.get(str(r.trackIdentifier)) ?? { user: "", source: "" };
          out.video.push({
            ...tile,
            framesDecoded: num(r.framesDecoded),
            frameHeight: num(r.frameHeight),
            freezeCount: num(r.freezeCount),
            totalFreezesDuration: num(r.totalFreezesDuration),
            packetsReceived: num(r.packetsReceived),
            packetsLost: num(r.packetsLost),
            nackCount: num(r.nackCount),
            bytesReceived: num(r.bytesReceived),
            playoutTargetMs: targets.get(str(r.trackIdentifier)) ?? null,
          });
        } else if (r.kind === "audio") {
          out.audio.push({
            packetsReceived: num(r.packetsReceived),
            packetsLost: num(r.packetsLost),
            totalSamplesReceived: num(r.totalSamplesReceived),
            concealedSamples: num(r.concealedSamples),
            silentConcealedSamples: num(r.silentConcealedSamples),
            fecPacketsReceived: num(r.fecPacketsReceived),
            nackCount: num(r.nackCount),
          });
        }
      }
      for (const r of reports.values()) {
        if (r.type !== "transport") continue;
        const pair = reports.get(str(r.selectedCandidatePairId));
        const local = reports.get(str(pair?.localCandidateId));
        const remote = reports.get(str(pair?.remoteCandidateId));
        if (pair === undefined || local === undefined || remote === undefined) continue;
        out.pairs.push({
          protocol: str(local.protocol),
          localType: str(local.candidateType),
          localPort: num(local.port),
          remoteType: str(remote.candidateType),
          remotePort: num(remote.port),
          receivesVideo,
        });
      }
    }
    return out;
  });
}
