/**
 * Sync from RTCP sender reports: a sender report (SR) pairs an RTP timestamp of one stream with
 * the sender's wall clock (NTP) at the same instant. With it, the RTP timestamp of a track's first
 * recorded packet becomes the sender's time of that packet's capture, which is the same clock for
 * every track one sender sends (so their audio and video line up as captured, whatever each one's
 * encoding and sending delay was).
 */

/** One sender report of one RTP stream (ssrc), as the producer received it. */
export type SenderReport = { ssrc: number; ntpMs: number; rtpTimestamp: number };

/** Seconds between the NTP epoch (1900) and the Unix epoch (1970). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;

/** An NTP timestamp (seconds and 2^-32 fractions since 1900) in Unix ms. */
export function ntpToUnixMs(ntpSec: number, ntpFrac: number): number {
  return (ntpSec - NTP_UNIX_OFFSET_S) * 1000 + (ntpFrac / 2 ** 32) * 1000;
}

/**
 * The sender's time (ms, its own clock) of the packet with `rtpTimestamp`, from one of `reports`,
 * or undefined without a report. A simulcast producer has one stream per layer, each with its own
 * random RTP timestamp base, and a recorder's consumer carries the timestamps of one of them (the
 * one mediasoup syncs the others to); the right report is the one that puts the packet nearest to
 * its arrival (`arrivalMs`, this node's clock): any other is off by hours.
 */
export function senderTimeOf(
  rtpTimestamp: number,
  clockRate: number,
  reports: Iterable<SenderReport>,
  arrivalMs: number,
): number | undefined {
  let best: number | undefined;
  for (const report of reports) {
    // RTP timestamps wrap at 2^32: the signed 32-bit difference.
    const ticks = (rtpTimestamp - report.rtpTimestamp) | 0;
    const at = report.ntpMs + (ticks * 1000) / clockRate;
    if (best === undefined || Math.abs(arrivalMs - at) < Math.abs(arrivalMs - best)) best = at;
  }
  return best;
}

/** A track's first recorded packet: its sender, when it arrived, and its sender's time of capture. */
export type FirstPacket = { peerId: string; arrivalOffsetMs: number; arrivalMs: number; senderMs: number | undefined };

/** A larger correction than this means a wrong report (or a sender clock that jumped): arrival is kept. */
const MAX_CORRECTION_MS = 2000;

/**
 * Each track's offset on the recording's timeline. The tracks of one sender keep their distances
 * on the sender's clock (from its SRs): each one's transit (arrival minus sender time: clock
 * difference plus delay) is compared with the smallest transit among that sender's tracks, and the
 * track moves earlier by the difference. The sender's least delayed track stays where it arrived,
 * which places the sender among the others (their clocks need not agree). A track without a
 * sender report keeps its arrival offset. Returns, per track, the offset and where it came from.
 */
export function syncedOffsets(tracks: FirstPacket[]): { offsetMs: number; sync: "sender-report" | "arrival" }[] {
  const transit = (t: FirstPacket) => (t.senderMs === undefined ? undefined : t.arrivalMs - t.senderMs);
  const leastTransit = new Map<string, number>();
  for (const track of tracks) {
    const value = transit(track);
    if (value === undefined) continue;
    const least = leastTransit.get(track.peerId);
    if (least === undefined || value < least) leastTransit.set(track.peerId, value);
  }
  return tracks.map((track) => {
    const value = transit(track);
    const least = leastTransit.get(track.peerId);
    if (value === undefined || least === undefined || value - least > MAX_CORRECTION_MS) {
      return { offsetMs: track.arrivalOffsetMs, sync: "arrival" };
    }
    return { offsetMs: track.arrivalOffsetMs - (value - least), sync: "sender-report" };
  });
}
