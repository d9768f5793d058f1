// One concrete instance of every example message of the original protocol document (written
// in Russian, kept outside this repository), with the placeholders filled in. docs/protocol.md
// is that document made precise and keeps every one of its names; these examples are its
// original message shapes, which must keep parsing (tests/unit/protocol.test.ts).

export const seedClientExamples = [
  { type: "join-room", data: { roomId: "room-42", username: "alice" } },
  { type: "leave-room", data: { roomId: "room-42", username: "alice" } },
  { type: "chat-message", data: { from: "alice", text: "Привет!", timestamp: "2026-11-25T10:00:00.000Z" } },
  {
    type: "webrtc-offer",
    data: { target: "bob", payload: { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" } },
  },
  {
    type: "webrtc-answer",
    data: { target: "alice", payload: { type: "answer", sdp: "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" } },
  },
  {
    type: "webrtc-ice-candidate",
    data: {
      target: "bob",
      payload: {
        candidate: "candidate:1 1 udp 2122260223 127.0.0.1 54400 typ host generation 0",
        sdpMid: "0",
        sdpMLineIndex: 0,
        usernameFragment: "abcd",
      },
    },
  },
] as const;

export const seedServerExamples = [
  { type: "user-joined", data: { user: "bob" } },
  { type: "user-left", data: { user: "bob" } },
  { type: "joined", data: { roomId: "room-42", users: ["alice", "bob"] } },
  { type: "error", data: { message: "Username already taken" } },
] as const;
