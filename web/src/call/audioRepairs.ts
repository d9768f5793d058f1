import type { types } from "mediasoup-client";

/** Whether an SDP asks for NACK on payload type `pt` (`a=rtcp-fb:PT nack`, no parameter). */
function hasNack(sdp: string, pt: string): boolean {
  return new RegExp(`^a=rtcp-fb:${pt} nack *\\r?$`, "m").test(sdp);
}

/** The Opus payload types of an SDP. */
function opusPayloadTypes(sdp: string): string[] {
  return [...sdp.matchAll(/^a=rtpmap:(\d+) opus\/48000/gim)].map((m) => m[1] ?? "");
}

/** The Opus payload types of an SDP that ask for NACK. */
function opusWithNack(sdp: string): string[] {
  return opusPayloadTypes(sdp).filter((pt) => hasNack(sdp, pt));
}

/**
 * The answer with `a=rtcp-fb:PT nack` on each Opus payload type the offer asked NACK for.
 * libwebrtc requests and resends lost audio when NACK is negotiated for Opus, but leaves it out
 * of every answer it writes, so the lines are put back (as LiveKit's client does).
 */
export function answerOpusNack(answer: string, offer: string): string {
  let out = answer;
  for (const pt of opusWithNack(offer)) out = addNack(out, pt);
  return out;
}

/** `sdp` with `a=rtcp-fb:PT nack` under Opus payload type `pt`'s rtpmap, unless it has it. */
function addNack(sdp: string, pt: string): string {
  if (hasNack(sdp, pt)) return sdp;
  return sdp.replace(new RegExp(`^(a=rtpmap:${pt} opus/48000[^\\r\\n]*)(\\r?\\n)`, "gm"), `$1$2a=rtcp-fb:${pt} nack$2`);
}

/**
 * A peer-to-peer description with NACK on every Opus payload type. Both ends are browsers, and
 * libwebrtc writes no Opus NACK into an offer or an answer of its own, so neither would ever ask
 * for lost audio again. libwebrtc takes an audio stream's NACK (keeping sent packets for resending,
 * and asking for lost ones) from the remote description's codec, so each side sets the other's
 * description with this applied.
 */
export function withOpusNack(description: RTCSessionDescriptionInit): RTCSessionDescriptionInit {
  const sdp = description.sdp;
  if (sdp === undefined) return description;
  let out = sdp;
  for (const pt of opusPayloadTypes(sdp)) out = addNack(out, pt);
  return out === sdp ? description : { type: description.type, sdp: out };
}

/**
 * Makes a receiving transport ask for lost audio again: each answer its RTCPeerConnection sets
 * keeps the Opus NACK the media node offered (answerOpusNack). Under loss, a resent audio packet
 * arrives in time for the playout delay that video repairs hold anyway (repairDelay.ts), where
 * Opus FEC alone recovers only a single lost packet. mediasoup-client keeps its RTCPeerConnection
 * private (`_pc` of its handler), so this reaches in; without one it does nothing.
 */
export function askForLostAudio(transport: types.Transport): void {
  const pc = (transport.handler as unknown as { _pc?: RTCPeerConnection })._pc;
  if (pc === undefined) return;
  const setLocal = pc.setLocalDescription.bind(pc);
  pc.setLocalDescription = ((description?: RTCLocalSessionDescriptionInit) => {
    const offer = pc.remoteDescription?.sdp;
    if (description?.type !== "answer" || description.sdp === undefined || offer === undefined)
      return setLocal(description);
    return setLocal({ type: "answer", sdp: answerOpusNack(description.sdp, offer) });
  }) as RTCPeerConnection["setLocalDescription"];
}
