import type { MediaErrorCode } from "@huddle/protocol";

/** An error with the HTTP status and stable code the API answers with. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: MediaErrorCode;

  constructor(status: number, code: MediaErrorCode, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

export const notFound = (what: string) => new ApiError(404, "not-found", `${what} not found`);

/**
 * Runs a mediasoup call whose parameters came from a client, turning
 * mediasoup's rejections into API errors: InvalidStateError (a closed object,
 * a closed channel) -> 409 invalid-state; anything else mediasoup or its
 * worker throws (TypeError and UnsupportedError for bad parameters, the
 * worker's own errors such as "ssrc already exists", a RangeError from
 * cloning the input) -> 400 rejected. Only a bug in this node is a 500.
 */
export async function mediaCall<T>(call: () => Promise<T> | T): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const err = error instanceof Error ? error : new Error(String(error));
    const message = err.message.replace(/\s*\[method:[^\]]*\]\s*$/, "").slice(0, 500) || err.name;
    if (err.name === "InvalidStateError") throw new ApiError(409, "invalid-state", message);
    throw new ApiError(400, "rejected", message);
  }
}
