import { CLOSE_DENIED, CLOSE_REMOVED, CLOSE_ROOM_ENDED } from "@huddle/protocol";
import type { MessageKey } from "../i18n/index.ts";
import { SignalingError } from "./errors.ts";

/**
 * The ways the room can turn someone away for good (each has its own screen, and none is
 * retried): the invite does not open this room, a moderator removed them, locked the room,
 * declined them in the lobby, or ended the call.
 */
export type RefusalKind =
  | "expired"
  | "wrong-room"
  | "unauthorized"
  | "removed"
  | "room-locked"
  | "denied"
  | "room-ended";

export interface Refusal {
  kind: RefusalKind;
  /** Catalog keys: the screen says them in the language of the moment it is shown. */
  title: MessageKey;
  text: MessageKey;
  /** The server's own words, when they say more than the title (why a token was refused). */
  detail?: string;
}

/**
 * A socket closed with one of these codes was closed on purpose by a moderator: reconnecting
 * would be refused (or would sneak back in), so the client stops and says why.
 */
export function finalCloseError(code: number): SignalingError | undefined {
  switch (code) {
    case CLOSE_REMOVED:
      return new SignalingError("removed", "a moderator removed you from the call");
    case CLOSE_ROOM_ENDED:
      return new SignalingError("room-ended", "the call was ended for everyone");
    case CLOSE_DENIED:
      return new SignalingError("join-denied", "a moderator did not let you in");
    default:
      return undefined;
  }
}

/** Why the edge refused a token: its `reason` (or, from an older edge, the words of its message). */
function unauthorizedKind(message: string, reason: string | undefined): "expired" | "wrong-room" | "unauthorized" {
  if (reason === "expired") return "expired";
  if (reason === "wrong-room") return "wrong-room";
  if (reason !== undefined) return "unauthorized";
  if (/expired/i.test(message)) return "expired";
  if (/not this one|another room|wrong room/i.test(message)) return "wrong-room";
  return "unauthorized";
}

/**
 * The refusal screen for a failure, or null when the failure is not a refusal (a name that
 * is taken, a full room, the network: the lobby shows those and the person tries again).
 */
export function refusalOf(error: unknown): Refusal | null {
  if (!(error instanceof SignalingError)) return null;
  switch (error.code) {
    case "unauthorized": {
      const kind = unauthorizedKind(error.message, error.reason);
      if (kind === "expired") {
        return {
          kind,
          title: "refusal.expired.title",
          text: "refusal.expired.text",
          detail: error.message,
        };
      }
      if (kind === "wrong-room") {
        return {
          kind,
          title: "refusal.wrongRoom.title",
          text: "refusal.wrongRoom.text",
          detail: error.message,
        };
      }
      return {
        kind,
        title: "refusal.unauthorized.title",
        text: "refusal.unauthorized.text",
        detail: error.message,
      };
    }
    case "removed":
      return {
        kind: "removed",
        title: "refusal.removed.title",
        text: "refusal.removed.text",
      };
    case "room-locked":
      return {
        kind: "room-locked",
        title: "refusal.locked.title",
        text: "refusal.locked.text",
      };
    case "join-denied":
      return {
        kind: "denied",
        title: "refusal.denied.title",
        text: "refusal.denied.text",
      };
    case "room-ended":
      return { kind: "room-ended", title: "refusal.ended.title", text: "refusal.ended.text" };
    default:
      return null;
  }
}
