// A valid `data` for every client and server message type, with realistic
// mediasoup parameter objects (as mediasoup 3.19 / mediasoup-client 3.24 emit them).
import type { ClientMessageType, ServerMessageType } from "@huddle/protocol";

export const rtpCapabilities = {
  codecs: [
    {
      kind: "audio",
      mimeType: "audio/opus",
      preferredPayloadType: 100,
      clockRate: 48000,
      channels: 2,
      parameters: { minptime: 10, useinbandfec: 1 },
      rtcpFeedback: [{ type: "nack", parameter: "" }, { type: "transport-cc" }],
    },
    {
      kind: "video",
      mimeType: "video/VP8",
      preferredPayloadType: 101,
      clockRate: 90000,
      parameters: {},
      rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }, { type: "ccm", parameter: "fir" }],
    },
    { kind: "video", mimeType: "video/rtx", preferredPayloadType: 102, clockRate: 90000, parameters: { apt: 101 } },
  ],
  headerExtensions: [
    {
      kind: "audio",
      uri: "urn:ietf:params:rtp-hdrext:sdes:mid",
      preferredId: 1,
      preferredEncrypt: false,
      direction: "sendrecv",
    },
    { kind: "video", uri: "urn:ietf:params:rtp-hdrext:toffset", preferredId: 12, direction: "sendrecv" },
  ],
};

export const rtpParameters = {
  mid: "0",
  codecs: [
    {
      mimeType: "video/VP8",
      payloadType: 96,
      clockRate: 90000,
      parameters: {},
      rtcpFeedback: [
        { type: "goog-remb", parameter: "" },
        { type: "nack", parameter: "pli" },
      ],
    },
    { mimeType: "video/rtx", payloadType: 97, clockRate: 90000, parameters: { apt: 96 }, rtcpFeedback: [] },
  ],
  headerExtensions: [{ uri: "urn:ietf:params:rtp-hdrext:sdes:mid", id: 4, encrypt: false, parameters: {} }],
  encodings: [{ ssrc: 1111, rtx: { ssrc: 2222 }, dtx: false, scalabilityMode: "L1T3", maxBitrate: 500000 }],
  rtcp: { cname: "abc123", reducedSize: true },
};

export const dtlsParameters = {
  role: "client",
  fingerprints: [
    {
      algorithm: "sha-256",
      value: "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89",
    },
  ],
};

export const clientSamples: Record<ClientMessageType, Record<string, unknown>> = {
  "join-room": { roomId: "room-42", username: "alice", token: "t0k3n" },
  "leave-room": { roomId: "room-42", username: "alice" },
  "chat-message": { from: "alice", text: "hello", timestamp: "2026-11-25T10:00:00.000Z" },
  "webrtc-offer": { target: "bob", payload: { type: "offer", sdp: "v=0\r\n" } },
  "webrtc-answer": { target: "bob", payload: { type: "answer", sdp: "v=0\r\n" } },
  "webrtc-ice-candidate": {
    target: "bob",
    payload: { candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host", sdpMid: "0", sdpMLineIndex: 0 },
  },
  "media-state": { microphone: true, camera: false, screen: false },
  "create-transport": { direction: "send" },
  "connect-transport": { transportId: "a1b2c3", dtlsParameters },
  produce: { transportId: "a1b2c3", kind: "video", rtpParameters, appData: { source: "camera" } },
  consume: { transportId: "d4e5f6", producerId: "p1", rtpCapabilities },
  "resume-consumer": { consumerId: "c1" },
  "consume-many": { transportId: "d4e5f6", producerIds: ["p1", "p2"], rtpCapabilities },
  "resume-consumers": { consumerIds: ["c1", "c2"] },
  "set-consumer-layers": { consumerId: "c1", spatialLayer: 1, temporalLayer: 2, priority: 10 },
  "pause-consumer": { consumerId: "c1" },
  "close-producer": { producerId: "p1" },
  "pause-producer": { producerId: "p1" },
  "resume-producer": { producerId: "p1" },
  "restart-ice": { transportId: "t1" },
  "mute-participant": { user: "bob", source: "microphone" },
  "remove-participant": { user: "bob", reason: "spam" },
  "update-participant": { user: "bob", permissions: { canPublish: false }, name: "Bob B." },
  "update-room": { locked: true },
  "admit-participant": { user: "carol" },
  "deny-participant": { user: "carol" },
  "end-room": {},
  "start-recording": {},
  "stop-recording": {},
  "raise-hand": {},
  "lower-hand": { user: "bob" },
  "send-reaction": { reaction: "clap" },
};

export const serverSamples: Record<ServerMessageType, Record<string, unknown>> = {
  joined: {
    roomId: "room-42",
    users: ["alice", "bob"],
    sfu: {
      rtpCapabilities,
      producers: [{ producerId: "p1", user: "bob", kind: "video", appData: { source: "camera" } }],
    },
    media: [{ user: "bob", microphone: true, camera: true, screen: false }],
    hands: [{ user: "bob", raisedAt: "2026-12-02T10:00:00.000Z" }],
  },
  "user-joined": { user: "bob" },
  "user-left": { user: "bob" },
  "chat-message": { from: "alice", text: "hello", timestamp: "2026-11-25T10:00:00.000Z" },
  "webrtc-offer": { from: "alice", target: "bob", payload: { type: "offer", sdp: "v=0\r\n" } },
  "webrtc-answer": { from: "bob", target: "alice", payload: { type: "answer", sdp: "v=0\r\n" } },
  "webrtc-ice-candidate": { from: "alice", target: "bob", payload: { candidate: "" } },
  "media-state": { user: "bob", microphone: false, camera: true, screen: true },
  webRtcTransportCreated: {
    id: "t1",
    direction: "recv",
    iceParameters: { usernameFragment: "uf", password: "pw", iceLite: true },
    iceCandidates: [
      {
        foundation: "udpcandidate",
        priority: 1076302079,
        address: "127.0.0.1",
        protocol: "udp",
        port: 40000,
        type: "host",
      },
    ],
    dtlsParameters: { role: "auto", fingerprints: dtlsParameters.fingerprints },
    sctpParameters: { port: 5000, OS: 1024, MIS: 1024, maxMessageSize: 262144 },
  },
  "transport-connected": { transportId: "t1" },
  produced: { id: "p1", kind: "audio" },
  "new-producer": { producerId: "p1", user: "bob", kind: "video" },
  consumed: { id: "c1", producerId: "p1", user: "bob", kind: "video", rtpParameters, producerPaused: false },
  "consumer-resumed": { consumerId: "c1" },
  "consumer-paused": { consumerId: "c1" },
  "consumer-layers-set": { consumerId: "c1", spatialLayer: 1, temporalLayer: 2 },
  "producer-layers": { producerId: "p1", maxSpatialLayer: 1 },
  "ice-restarted": { transportId: "t1", iceParameters: { usernameFragment: "u1", password: "p1", iceLite: true } },
  "producer-closed": { producerId: "p1", user: "bob" },
  "producer-paused": { producerId: "p1", user: "bob" },
  "producer-resumed": { producerId: "p1", user: "bob" },
  "participant-updated": {
    user: "bob",
    name: "Bob B.",
    permissions: {
      canPublish: false,
      canSubscribe: true,
      canPublishData: true,
      roomAdmin: false,
      hidden: false,
      roomRecord: false,
    },
    by: "alice",
  },
  "participant-muted": { user: "bob", source: "microphone", by: "alice" },
  "recording-started": { recordingId: "20260101T000000Z-0123abcd", startedAt: "2026-01-01T00:00:00.000Z", by: "alice" },
  "recording-stopped": { recordingId: "20260101T000000Z-0123abcd", by: "alice" },
  "participant-removed": { user: "bob", by: "alice" },
  "room-updated": { locked: true, lobby: false, by: "alice" },
  "room-ended": { by: "alice", reason: "ended by a moderator" },
  "lobby-waiting": { roomId: "room-42" },
  "lobby-updated": { waiting: [{ user: "carol", name: "Carol", since: "2026-12-02T10:00:00.000Z" }] },
  "hand-raised": { user: "bob", raisedAt: "2026-12-02T10:00:00.000Z" },
  "hand-lowered": { user: "bob", by: "alice" },
  reaction: { user: "bob", reaction: "heart" },
  "active-speaker": { user: "bob", level: -30 },
  "connection-quality": { user: "bob", quality: "good" },
  "media-reset": { reason: "media node lost", sfu: { rtpCapabilities, producers: [] } },
  error: { message: "username already taken", code: "username-taken" },
};
