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
  "close-producer": { producerId: "p1" },
  "pause-producer": { producerId: "p1" },
  "resume-producer": { producerId: "p1" },
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
  "producer-closed": { producerId: "p1", user: "bob" },
  "producer-paused": { producerId: "p1", user: "bob" },
  "producer-resumed": { producerId: "p1", user: "bob" },
  "media-reset": { reason: "media node lost", sfu: { rtpCapabilities, producers: [] } },
  error: { message: "username already taken", code: "username-taken" },
};
