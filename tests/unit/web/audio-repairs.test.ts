import { describe, expect, it } from "vitest";
import { answerOpusNack, withOpusNack } from "../../../web/src/call/audioRepairs.ts";

// What mediasoup-client writes as the remote offer (note the trailing space after `nack`) and
// what Chromium answers: Opus without NACK.
const offer = [
  "v=0",
  "m=audio 7 UDP/TLS/RTP/SAVPF 100",
  "a=rtpmap:100 opus/48000/2",
  "a=rtcp-fb:100 transport-cc ",
  "a=rtcp-fb:100 nack ",
  "a=fmtp:100 minptime=10;useinbandfec=1",
  "m=video 7 UDP/TLS/RTP/SAVPF 101",
  "a=rtpmap:101 VP8/90000",
  "a=rtcp-fb:101 nack ",
  "",
].join("\r\n");
const answer = [
  "v=0",
  "m=audio 9 UDP/TLS/RTP/SAVPF 100",
  "a=rtpmap:100 opus/48000/2",
  "a=rtcp-fb:100 transport-cc",
  "a=fmtp:100 minptime=10;useinbandfec=1",
  "m=video 9 UDP/TLS/RTP/SAVPF 101",
  "a=rtpmap:101 VP8/90000",
  "a=rtcp-fb:101 nack",
  "",
].join("\r\n");

describe("answerOpusNack: the answer keeps the Opus NACK the offer asked for", () => {
  it("adds the line under Opus's rtpmap, and only there", () => {
    const out = answerOpusNack(answer, offer);
    expect(out).toContain("a=rtpmap:100 opus/48000/2\r\na=rtcp-fb:100 nack\r\na=rtcp-fb:100 transport-cc");
    expect(out.match(/a=rtcp-fb:\d+ nack/g)).toEqual(["a=rtcp-fb:100 nack", "a=rtcp-fb:101 nack"]);
  });

  it("adds nothing when the offer has no Opus NACK (a peer that did not ask for it)", () => {
    const plain = offer.replace("a=rtcp-fb:100 nack \r\n", "");
    expect(answerOpusNack(answer, plain)).toBe(answer);
  });

  it("leaves an answer that already has it as it is", () => {
    const once = answerOpusNack(answer, offer);
    expect(answerOpusNack(once, offer)).toBe(once);
  });
});

describe("withOpusNack: a browser's own description, with NACK on Opus (peer-to-peer)", () => {
  it("adds the line under every Opus rtpmap, and nowhere else", () => {
    const two = answer.replace(
      "a=rtpmap:100 opus/48000/2\r\n",
      "a=rtpmap:100 opus/48000/2\r\na=rtpmap:109 opus/48000/2\r\n",
    );
    const out = withOpusNack({ type: "offer", sdp: two });
    expect(out.type).toBe("offer");
    expect(out.sdp).toContain("a=rtpmap:100 opus/48000/2\r\na=rtcp-fb:100 nack\r\n");
    expect(out.sdp).toContain("a=rtpmap:109 opus/48000/2\r\na=rtcp-fb:109 nack\r\n");
    expect(out.sdp?.match(/a=rtcp-fb:\d+ nack/g)).toEqual([
      "a=rtcp-fb:100 nack",
      "a=rtcp-fb:109 nack",
      "a=rtcp-fb:101 nack",
    ]);
  });

  it("returns a description that has it, or has no SDP, as it is", () => {
    const once = withOpusNack({ type: "answer", sdp: answer });
    expect(withOpusNack(once)).toBe(once);
    const rollback: RTCSessionDescriptionInit = { type: "rollback" };
    expect(withOpusNack(rollback)).toBe(rollback);
  });
});
