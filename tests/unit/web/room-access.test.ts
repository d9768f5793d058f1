import { OPEN_ROOM_PERMISSIONS, type Permissions } from "@huddle/protocol";
import { describe, expect, it, vi } from "vitest";
import type { LocalMedia } from "../../../web/src/call/LocalMedia.ts";
import { Room, RoomEvent } from "../../../web/src/call/Room.ts";
import type { MediaFlags } from "../../../web/src/call/types.ts";
import { FakeWebSocket, useFakeBrowser } from "./fake-websocket.ts";

// The Room under grants and moderation, with the edge played on a fake WebSocket: what we may
// send follows `joined.you.permissions` and live `participant-updated`, a moderator's mute
// mutes us here, and a moderator's commands go out as the protocol names them. Alone in the
// room (no peers), so no WebRTC is involved; the local media is a stand-in that records calls.

class FakeMedia {
  microphone: object | null = { kind: "audio" };
  microphoneEnabled = true;
  camera: object | null = { kind: "video" };
  screen: object | null = null;
  calls: string[] = [];
  get flags(): MediaFlags {
    return {
      microphone: this.microphone !== null && this.microphoneEnabled,
      camera: this.camera !== null,
      screen: false,
    };
  }
  get sending() {
    return { microphone: this.microphoneEnabled ? this.microphone : null, camera: this.camera, screen: this.screen };
  }
  on() {
    return () => {};
  }
  async setMicrophoneEnabled(enabled: boolean) {
    this.calls.push(`microphone:${enabled}`);
    this.microphoneEnabled = enabled;
    return this.sending.microphone;
  }
  async setCameraEnabled(enabled: boolean) {
    this.calls.push(`camera:${enabled}`);
    if (!enabled) this.camera = null;
    else this.camera ??= { kind: "video" };
    return this.camera;
  }
  async startScreen() {
    this.calls.push("screen:true");
    this.screen = { kind: "video" };
    return this.screen;
  }
  stopScreen() {
    this.calls.push("screen:false");
    this.screen = null;
  }
}

const grants = (change: Partial<Permissions> = {}): Permissions => ({ ...OPEN_ROOM_PERMISSIONS, ...change });

async function joinedRoom(joined: Record<string, unknown> = {}) {
  const media = new FakeMedia();
  const room = Room.create({
    edgeUrl: "https://edge.example",
    roomId: "room-1",
    username: "alice",
    token: "h.p.s",
    displayName: "Alice A.",
    media: media as unknown as LocalMedia,
  });
  const events: [string, unknown[]][] = [];
  for (const event of [
    RoomEvent.PermissionsChanged,
    RoomEvent.MutedByModerator,
    RoomEvent.LobbyChanged,
    RoomEvent.RoomSettingsChanged,
    RoomEvent.Notice,
    RoomEvent.Problem,
  ]) {
    room.on(event, (...args: unknown[]) => events.push([event, args]));
  }
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
  return { room, media, socket, events };
}

const mediaStates = (socket: FakeWebSocket) => socket.messages().filter((m) => m.type === "media-state");

useFakeBrowser();

describe("what we may send", () => {
  it("a room without grants (open) allows everything", async () => {
    const { room, media } = await joinedRoom();
    expect(room.controls).toEqual({
      microphone: true,
      camera: true,
      screen: true,
      chat: true,
      moderate: false,
      record: false,
    });
    expect(media.calls).toEqual([]);
  });

  it("a viewer (canPublish false) stops what it captured, claims nothing and has every source disabled", async () => {
    const { room, media, socket } = await joinedRoom({
      you: { user: "alice", name: "Alice A.", permissions: grants({ canPublish: false }) },
    });
    expect(room.controls).toMatchObject({ microphone: false, camera: false, screen: false, chat: true });
    expect(media.calls).toEqual(["microphone:false", "camera:false"]);
    // Even the first media-state (sent before the media was stopped) claims nothing.
    for (const state of mediaStates(socket))
      expect(state.data).toEqual({ microphone: false, camera: false, screen: false });
    // Pressing a disabled control does nothing but say why.
    await room.setCameraEnabled(true);
    expect(media.calls).toEqual(["microphone:false", "camera:false"]);
    expect(room.participants[0]).toMatchObject({ username: "alice", name: "Alice A.", isLocal: true });
  });

  it("a live grant change revokes a source at once and can give it back", async () => {
    const { room, media, socket, events } = await joinedRoom({ you: { user: "alice", permissions: grants() } });
    socket.receive({
      type: "participant-updated",
      data: { user: "alice", permissions: grants({ canPublishSources: ["microphone"] }), by: "mod" },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(room.controls).toMatchObject({ microphone: true, camera: false, screen: false });
    expect(media.calls).toEqual(["camera:false"]);
    expect(events.filter(([e]) => e === RoomEvent.PermissionsChanged)).toHaveLength(2);
    expect(mediaStates(socket).at(-1)?.data).toEqual({ microphone: true, camera: false, screen: false });

    socket.receive({ type: "participant-updated", data: { user: "alice", permissions: grants(), by: "mod" } });
    await room.setCameraEnabled(true);
    expect(media.calls).toEqual(["camera:false", "camera:true"]);
  });

  it("without canPublishData the chat sends nothing", async () => {
    const { room, socket } = await joinedRoom({
      you: { user: "alice", permissions: grants({ canPublishData: false }) },
    });
    expect(room.controls.chat).toBe(false);
    expect(room.sendChat("hello")).toBe(false);
    expect(socket.messages().some((m) => m.type === "chat-message")).toBe(false);
  });
});

describe("display names", () => {
  it("our chat messages carry our name from the token; the username stays the sender", async () => {
    const { room, socket } = await joinedRoom({ you: { user: "alice", name: "Alice from the token" } });
    socket.receive({
      type: "chat-message",
      data: { from: "alice", text: "hi", timestamp: new Date().toISOString() },
    });
    expect(room.chat.at(-1)).toMatchObject({ from: "alice", name: "Alice from the token", isLocal: true });
    expect(room.participants[0]?.name).toBe("Alice from the token");
  });
});

describe("a moderator's mute", () => {
  it("mutes our microphone here, says so, and lets us unmute as our grants allow", async () => {
    const { room, media, socket, events } = await joinedRoom({ you: { user: "alice", permissions: grants() } });
    socket.receive({ type: "participant-muted", data: { user: "alice", source: "microphone", by: "mod" } });
    await vi.advanceTimersByTimeAsync(0);
    expect(media.calls).toEqual(["microphone:false"]);
    expect(events).toContainEqual([RoomEvent.MutedByModerator, ["microphone", "mod"]]);
    expect(mediaStates(socket).at(-1)?.data).toMatchObject({ microphone: false });
    expect(room.participants[0]?.media.microphone).toBe(false);
    await room.setMicrophoneEnabled(true);
    expect(media.calls).toEqual(["microphone:false", "microphone:true"]);
  });

  it("a mute of someone else leaves our media alone", async () => {
    const { media, socket } = await joinedRoom();
    socket.receive({ type: "participant-muted", data: { user: "bob", source: "microphone" } });
    await vi.advanceTimersByTimeAsync(0);
    expect(media.calls).toEqual([]);
  });
});

describe("moderation", () => {
  const admin = grants({ roomAdmin: true });

  it("a moderator gets the lobby and the room's settings from joined, then from their updates", async () => {
    const since = new Date().toISOString();
    const { room, socket, events } = await joinedRoom({
      you: { user: "alice", permissions: admin },
      room: { locked: false, lobby: true },
      lobby: [{ user: "dave", name: "Dave D.", since }],
    });
    expect(room.controls.moderate).toBe(true);
    expect(room.settings).toEqual({ locked: false, lobby: true });
    expect(room.lobby).toEqual([{ user: "dave", name: "Dave D.", since }]);
    socket.receive({
      type: "lobby-updated",
      data: {
        waiting: [
          { user: "dave", name: "Dave D.", since },
          { user: "erin", since },
        ],
      },
    });
    expect(room.lobby.map((entry) => entry.user)).toEqual(["dave", "erin"]);
    expect(events).toContainEqual([RoomEvent.Notice, ["erin is waiting to join"]]);
    socket.receive({ type: "room-updated", data: { locked: true, lobby: true, by: "bob" } });
    expect(room.settings).toEqual({ locked: true, lobby: true });
    expect(events).toContainEqual([RoomEvent.Notice, ["bob locked the room"]]);
  });

  it("each command goes out as the protocol names it (our screen is LiveKit's screen_share)", async () => {
    const { room, socket } = await joinedRoom({ you: { user: "alice", permissions: admin } });
    room.muteParticipant("bob", "microphone");
    room.muteParticipant("bob", "screen");
    room.setParticipantCanPublish("bob", false);
    room.removeParticipant("bob");
    room.setRoomLocked(true);
    room.setLobbyEnabled(false);
    room.admit("dave");
    room.deny("erin");
    room.endForEveryone();
    const sent = socket
      .messages()
      .filter((m) => m.type !== "media-state")
      .slice(1)
      .map(({ type, data }) => ({ type, data }));
    expect(sent).toEqual([
      { type: "mute-participant", data: { user: "bob", source: "microphone" } },
      { type: "mute-participant", data: { user: "bob", source: "screen_share" } },
      { type: "update-participant", data: { user: "bob", permissions: { canPublish: false } } },
      { type: "remove-participant", data: { user: "bob" } },
      { type: "update-room", data: { locked: true } },
      { type: "update-room", data: { lobby: false } },
      { type: "admit-participant", data: { user: "dave" } },
      { type: "deny-participant", data: { user: "erin" } },
      { type: "end-room", data: {} },
    ]);
    expect(socket.messages().every((m) => m.type === "media-state" || typeof m.requestId === "string")).toBe(true);
  });

  it("a refused command is a problem the moderator sees", async () => {
    const { room, socket, events } = await joinedRoom({ you: { user: "alice", permissions: admin } });
    room.removeParticipant("ghost");
    socket.receive({
      type: "error",
      data: { code: "unknown-target", message: "no participant ghost" },
      requestId: socket.lastMessage().requestId,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toContainEqual([RoomEvent.Problem, ["Could not remove ghost: no participant ghost"]]);
  });

  it("removed from the call: the status closes with the removal, nothing reconnects", async () => {
    const { room, socket } = await joinedRoom();
    socket.receive({ type: "participant-removed", data: { user: "alice", by: "mod" } });
    expect(room.status).toMatchObject({ state: "closed", error: { code: "removed" } });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.made).toHaveLength(1);
  });
});
