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
 * mediasoup's rejections into API errors: TypeError and UnsupportedError
 * (bad parameters) -> 400 rejected; InvalidStateError (closed object,
 * connect twice) and errors reported by the worker -> 409.
 */
export async function mediaCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const err = error instanceof Error ? error : new Error(String(error));
    const message = err.message.replace(/\s*\[method:[^\]]*\]\s*$/, "").slice(0, 500);
    if (err instanceof TypeError || err.name === "UnsupportedError") throw new ApiError(400, "rejected", message);
    throw new ApiError(409, "invalid-state", message);
  }
}
