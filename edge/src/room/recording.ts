import {
  type ErrorCode,
  errorMessage,
  type RecordingListResponse,
  type RecordingStateResponse,
  type ServerMessage,
} from "@huddle/protocol";
import { asMediaCallError } from "../media/node-client.ts";
import { fanOut, send } from "./broadcast.ts";
import type { MessageOf, RoomContext } from "./context.ts";
import type { Member } from "./roster.ts";

export type RecordingMessage = MessageOf<"start-recording"> | MessageOf<"stop-recording">;
export type RecordingAction = "start" | "stop";
export type RecordingOutcome =
  | { ok: true; state: RecordingStateResponse }
  | { ok: false; code: ErrorCode; message: string };

export function isRecordingMessage(message: { type: string }): message is RecordingMessage {
  return message.type === "start-recording" || message.type === "stop-recording";
}

/** Who asked, when a member did: they get the event as the reply to their request. */
export interface RecordingRequester {
  member: Member;
  requestId: string | undefined;
}

/**
 * Starts or stops the room's recording on its media node (docs/recording.md) and tells everyone
 * (`recording-started` / `recording-stopped`, `by` the member who asked, who gets it as the reply;
 * none for the room API). A peer-to-peer room has no node to record on: `media-unavailable`. The
 * node is the one owner of whether a recording runs: its 409 is `recording-active` (start) or
 * `not-recording` (stop). The room keeps a copy of the node's answer for `joined.recording`
 * (RecordingState); changes run one at a time so that copy follows the node's order.
 */
export function changeRecording(
  room: RoomContext,
  action: RecordingAction,
  requester: RecordingRequester | undefined,
): Promise<RecordingOutcome> {
  return room.recording.changes.run(() => applyChange(room, action, requester));
}

async function applyChange(
  room: RoomContext,
  action: RecordingAction,
  requester: RecordingRequester | undefined,
): Promise<RecordingOutcome> {
  const node = room.media.node();
  const epoch = room.media.placementEpoch();
  if (node === undefined || epoch === undefined) {
    return {
      ok: false,
      code: "media-unavailable",
      message: "recording needs a media node (SFU); this room is peer-to-peer",
    };
  }
  let state: RecordingStateResponse;
  try {
    state = action === "start" ? await node.startRecording(room.roomId) : await node.stopRecording(room.roomId);
  } catch (error) {
    const failure = asMediaCallError(error);
    if (failure.status === 409) {
      if (action === "start") {
        return { ok: false, code: "recording-active", message: "the room is already being recorded" };
      }
      forgetEndedRecording(room, epoch);
      return { ok: false, code: "not-recording", message: "the room is not being recorded" };
    }
    return { ok: false, code: "media-unavailable", message: `the media node could not ${action} recording` };
  }
  // The room moved to another node (or was freed) while this one answered: its recording went with it.
  if (room.media.placementEpoch() !== epoch) {
    return { ok: false, code: "media-unavailable", message: `the room's media node changed during ${action}` };
  }
  const by = requester === undefined ? {} : { by: requester.member.attachment.username };
  let event: ServerMessage;
  if (action === "start") {
    room.recording.started({ recordingId: state.recordingId, startedAt: state.startedAt }, epoch);
    event = { type: "recording-started", data: { recordingId: state.recordingId, startedAt: state.startedAt, ...by } };
  } else {
    room.recording.clear();
    event = { type: "recording-stopped", data: { recordingId: state.recordingId, ...by } };
  }
  room.media.recordingChanged();
  announce(room, event, requester);
  return { ok: true, state };
}

/**
 * The node has no recording to stop, but the room's copy says one runs: the node ended it on its
 * own (low disk, a failed recorder). Everyone is told it stopped, so no indicator stays on.
 */
function forgetEndedRecording(room: RoomContext, epoch: string): void {
  const stale = room.recording.current(epoch);
  if (stale === null) return;
  room.recording.clear();
  room.media.recordingChanged();
  fanOut(room.roster.all(), { type: "recording-stopped", data: { recordingId: stale.recordingId } });
}

/**
 * The room's alarm (with the media probe): while the room's copy says a recording runs, asks the
 * node whether it still does. The node ends one on its own (low disk, a failed recorder) without
 * telling the edge; then everyone gets `recording-stopped`. A node that does not answer is left
 * to the probe, which moves the room (and so ends the copy).
 */
export function checkRecording(room: RoomContext): Promise<void> {
  return room.recording.changes.run(async () => {
    const node = room.media.node();
    const epoch = room.media.placementEpoch();
    const copy = room.recording.current(epoch);
    if (copy === null || node === undefined || epoch === undefined) return;
    let list: RecordingListResponse;
    try {
      list = await node.listRecordings(room.roomId);
    } catch (error) {
      asMediaCallError(error);
      return;
    }
    if (room.media.placementEpoch() !== epoch) return;
    const manifest = list.recordings.find((recording) => recording.recordingId === copy.recordingId);
    if (manifest !== undefined && manifest.endedAt === undefined) return;
    forgetEndedRecording(room, epoch);
  });
}

/** `event` to everyone; the member who asked gets it with their request's id. */
function announce(room: RoomContext, event: ServerMessage, requester: RecordingRequester | undefined): void {
  if (requester === undefined) return void fanOut(room.roster.all(), event);
  const { member, requestId } = requester;
  fanOut(room.roster.all(), event, member.attachment.sid);
  if (room.roster.hasSocket(member.attachment.sid)) {
    send(member.ws, requestId === undefined ? event : { ...event, requestId });
  }
}

/** A member's `start-recording` / `stop-recording` (its grant was checked before). */
export async function recordingRequest(room: RoomContext, member: Member, message: RecordingMessage): Promise<void> {
  const action = message.type === "start-recording" ? "start" : "stop";
  const outcome = await changeRecording(room, action, { member, requestId: message.requestId });
  if (!outcome.ok)
    send(member.ws, errorMessage(outcome.code, `${message.type}: ${outcome.message}`, message.requestId));
}
