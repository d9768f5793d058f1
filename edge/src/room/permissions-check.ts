import {
  type ClientMessage,
  MODERATION_MESSAGE_TYPES,
  mayPublish,
  type Permissions,
  type TrackSource,
  trackSourceOf,
} from "@huddle/protocol";
import { permissionsOf } from "./attachment.ts";
import type { RoomContext } from "./context.ts";
import type { Member } from "./roster.ts";

const moderation: ReadonlySet<string> = new Set(MODERATION_MESSAGE_TYPES);

/** media-state's flags, by the source each claims. */
const MEDIA_STATE_SOURCES = { camera: "camera", microphone: "microphone", screen: "screen_share" } as const;

/**
 * Why `member`'s grants do not allow `message`, or undefined when they do. Checked on every
 * message of a joined member before anything else (docs/protocol.md, "Access").
 */
export function refusal(room: RoomContext, member: Member, message: ClientMessage): string | undefined {
  const permissions = permissionsOf(member.attachment);
  if (moderation.has(message.type)) {
    return permissions.roomAdmin ? undefined : `${message.type}: only moderators (roomAdmin) may do this`;
  }
  switch (message.type) {
    case "start-recording":
    case "stop-recording":
      return permissions.roomAdmin || permissions.roomRecord
        ? undefined
        : `${message.type}: only moderators (roomAdmin) or recorders (roomRecord) may do this`;
    case "chat-message":
      if (permissions.hidden) return "chat-message: hidden participants cannot send";
      return permissions.canPublishData
        ? undefined
        : "chat-message: your grants do not allow sending data (canPublishData)";
    case "webrtc-offer":
    case "webrtc-answer":
    case "webrtc-ice-candidate":
      return permissions.hidden ? `${message.type}: hidden participants cannot connect to others` : undefined;
    case "media-state": {
      if (permissions.hidden) return "media-state: hidden participants cannot publish";
      for (const [flag, source] of Object.entries(MEDIA_STATE_SOURCES)) {
        if (message.data[flag as keyof typeof MEDIA_STATE_SOURCES] && !mayPublish(permissions, source)) {
          return publishRefusal("media-state", permissions, source);
        }
      }
      return undefined;
    }
    case "raise-hand":
    case "lower-hand": {
      if (permissions.hidden) return `${message.type}: hidden participants cannot raise a hand`;
      const named = message.type === "lower-hand" ? message.data.user : undefined;
      if (named === undefined || permissions.roomAdmin || room.roster.get(named) === member) return undefined;
      return "lower-hand: only moderators (roomAdmin) may lower someone else's hand";
    }
    case "send-reaction":
      if (permissions.hidden) return "send-reaction: hidden participants cannot send";
      return permissions.canPublishData
        ? undefined
        : "send-reaction: your grants do not allow sending data (canPublishData)";
    case "create-transport":
      if (message.data.direction === "recv") return subscribeRefusal(message.type, permissions);
      if (!permissions.canPublish || permissions.hidden) return publishRefusal(message.type, permissions);
      return undefined;
    case "produce": {
      const source = trackSourceOf(message.data.kind, message.data.appData?.source);
      return mayPublish(permissions, source) ? undefined : publishRefusal("produce", permissions, source);
    }
    case "resume-producer": {
      // Unmuting is publishing again: after a moderator's mute, only as the grants allow.
      const producer = room.media.producer(message.data.producerId);
      if (producer === undefined || producer.sid !== member.attachment.sid) return undefined; // not-found, by the media side
      const source = trackSourceOf(producer.kind, producer.appData?.source);
      return mayPublish(permissions, source) ? undefined : publishRefusal("resume-producer", permissions, source);
    }
    case "consume":
    case "consume-many":
    case "resume-consumer":
    case "resume-consumers":
      return subscribeRefusal(message.type, permissions);
    default:
      return undefined;
  }
}

function publishRefusal(type: string, permissions: Permissions, source?: TrackSource): string {
  if (permissions.hidden) return `${type}: hidden participants cannot publish`;
  if (!permissions.canPublish || source === undefined)
    return `${type}: your grants do not allow publishing (canPublish)`;
  return `${type}: your grants do not allow publishing ${source} (canPublishSources)`;
}

function subscribeRefusal(type: string, permissions: Permissions): string | undefined {
  return permissions.canSubscribe ? undefined : `${type}: your grants do not allow subscribing (canSubscribe)`;
}
