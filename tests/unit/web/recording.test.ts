import { OPEN_ROOM_PERMISSIONS, type Permissions, type RecordingNow } from "@huddle/protocol";
import { describe, expect, it, vi } from "vitest";
import type { LocalMedia } from "../../../web/src/call/LocalMedia.ts";
import { Room, RoomEvent } from "../../../web/src/call/Room.ts";
import { SignalingError } from "../../../web/src/signaling/errors.ts";
import { recordingErrorText } from "../../../web/src/ui/RecordingButton.tsx";
import { FakeWebSocket, useFakeBrowser } from "./fake-websocket.ts";

// The Room's recording state (docs/recording.md, "Consent"), with the edge played on a fake
// WebSocket: it follows joined.recording, recording-started and recording-stopped, ends with a
// media-reset (the recording ran on the lost node), and start / stop go out as the protocol names
// them, their refusals reaching the caller. Alone in the room, with media that sends nothing.

const silentMedia = {
  microphone: null,
  camera: null,
  screen: null,
  flags: { microphone: false, camera: false, screen: false },
  sending: { microphone: null, camera: null, screen: null },
  on: () => () => {},
};

const RECORDING: RecordingNow = { recordingId: "20261202T030000Z-0123abcd", startedAt: "2026-12-02T03:00:00.000Z" };
const grants = (change: Partial<Permissions> = {}): Permissions => ({ ...OPEN_ROOM_PERMISSIONS, ...change });

async function joinedRoom(joined: Record<string, unknown> = {}) {
  const room = Room.create({
    edgeUrl: "https://edge.example",
    roomId: "room-1",
    username: "alice",
    media: silentMedia as unknown as LocalMedia,
  });
  const changes: (RecordingNow | null)[] = [];
  room.on(RoomEvent.RecordingChanged, (recording) => changes.push(recording));
  const connecting = room.connect();
  const socket = FakeWebSocket.latest();
  socket.open();
  socket.receive({
    type: "joined",
    data: { roomId: "room-1", users: ["alice"], ...joined },
    requestId: socket.lastMessage().requestId,
  });
  await connecting;
  await vi.advanceTimersByTimeAsync(0);
  return { room, socket, changes };
}

useFakeBrowser();

describe("the Room's recording state", () => {
  it("comes from joined.recording, then follows recording-started and recording-stopped", async () => {
    const { room, socket, changes } = await joinedRoom({ recording: RECORDING });
    expect(room.recording).toEqual(RECORDING);
    socket.receive({ type: "recording-stopped", data: { recordingId: RECORDING.recordingId, by: "mod" } });
    expect(room.recording).toBeNull();
    const next = { recordingId: "20261202T031000Z-89abcdef", startedAt: "2026-12-02T03:10:00.000Z" };
    socket.receive({ type: "recording-started", data: { ...next, by: "mod" } });
    expect(room.recording).toEqual(next);
    expect(changes).toEqual([RECORDING, null, next]);
    room.leave();
  });

  it("is null without joined.recording (an older edge) and ends with a media reset", async () => {
    const { room, socket, changes } = await joinedRoom();
    expect(room.recording).toBeNull();
    socket.receive({ type: "recording-started", data: RECORDING });
    expect(room.recording).toEqual(RECORDING);
    socket.receive({ type: "media-reset", data: { reason: "media-node-lost" } });
    expect(room.recording).toBeNull();
    expect(changes).toEqual([RECORDING, null]);
    room.leave();
  });

  it("sends start-recording and stop-recording; a refusal rejects with its code", async () => {
    const { room, socket } = await joinedRoom({ you: { user: "alice", permissions: grants({ roomRecord: true }) } });
    expect(room.controls.record).toBe(true);
    const starting = room.startRecording();
    const start = socket.lastMessage();
    expect(start).toMatchObject({ type: "start-recording", data: {} });
    socket.receive({ type: "recording-started", data: { ...RECORDING, by: "alice" }, requestId: start.requestId });
    await starting;
    expect(room.recording).toEqual(RECORDING);
    const stopping = room.stopRecording();
    const stop = socket.lastMessage();
    expect(stop).toMatchObject({ type: "stop-recording", data: {} });
    socket.receive({
      type: "error",
      data: { code: "not-recording", message: "stop-recording: the room is not being recorded" },
      requestId: stop.requestId,
    });
    const error = await stopping.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignalingError);
    expect((error as SignalingError).code).toBe("not-recording");
    expect(recordingErrorText(error)).toBe("The call is not being recorded.");
    room.leave();
  });

  it("offers the control to roomAdmin and roomRecord only", async () => {
    for (const [permissions, record] of [
      [grants(), false],
      [grants({ roomAdmin: true }), true],
      [grants({ roomRecord: true }), true],
    ] as const) {
      const { room } = await joinedRoom({ you: { user: "alice", permissions } });
      expect(room.controls.record).toBe(record);
      room.leave();
    }
  });
});
