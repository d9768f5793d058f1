import type { OutboundVideoStat } from "./types.ts";

type SentVideo = Omit<OutboundVideoStat, "source">;

/**
 * What a video sender's stats say it sends: the encodings that carry frames (simulcast layers),
 * the tallest of them, and the height the capture feeds in (`media-source`).
 */
export function sentVideo(stats: RTCStatsReport): SentVideo {
  const sent: SentVideo = { layers: 0, frameHeight: 0, sourceHeight: 0 };
  stats.forEach((report: RTCStats & { framesEncoded?: number; frameHeight?: number; height?: number }) => {
    if (report.type === "outbound-rtp" && (report.framesEncoded ?? 0) > 0) {
      sent.layers++;
      sent.frameHeight = Math.max(sent.frameHeight, report.frameHeight ?? 0);
    } else if (report.type === "media-source") {
      sent.sourceHeight = Math.max(sent.sourceHeight, report.height ?? 0);
    }
  });
  return sent;
}
