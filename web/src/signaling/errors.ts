import type { ErrorCode } from "@huddle/protocol";

/** An `error` reply from the edge, or a local failure with a code of the same family. */
export class SignalingError extends Error {
  readonly code: ErrorCode | "connection-failed" | "timeout" | "closed";
  constructor(code: SignalingError["code"], message: string) {
    super(message);
    this.name = "SignalingError";
    this.code = code;
  }
}
