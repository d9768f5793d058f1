import type { ErrorCode } from "@huddle/protocol";

/**
 * An `error` reply from the edge, or a local failure with a code of the same family
 * (`room-ended`: a moderator ended the call, `room-ended` or close code 4011; `gave-up`: the
 * connection could not be restored within the reconnect limit).
 */
export class SignalingError extends Error {
  readonly code: ErrorCode | "connection-failed" | "timeout" | "closed" | "room-ended" | "gave-up";
  /** The edge's finer cause, when it gives one (`error.reason`: e.g. `expired` for a refused token). */
  readonly reason: string | undefined;
  constructor(code: SignalingError["code"], message: string, reason?: string) {
    super(message);
    this.name = "SignalingError";
    this.code = code;
    this.reason = reason;
  }
}

/** Any failure as a `SignalingError` (a thrown non-signaling error counts as a failed connection). */
export function toSignalingError(error: unknown): SignalingError {
  if (error instanceof SignalingError) return error;
  return new SignalingError("connection-failed", error instanceof Error ? error.message : String(error));
}

/**
 * Whether a failed rejoin is worth another attempt: the network, a slow or busy edge, a
 * refusal for the moment. A refusal of the room or the name itself (`room-full`,
 * `unauthorized`, ...) is final. (`username-taken` after a drop is decided by the client:
 * the edge may still hold our previous socket for a moment.)
 */
export function isTransient(error: SignalingError): boolean {
  switch (error.code) {
    case "connection-failed":
    case "timeout":
    case "closed":
    case "rate-limited":
    case "internal":
      return true;
    default:
      return false;
  }
}
