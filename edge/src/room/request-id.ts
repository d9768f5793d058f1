import { frameBytes, MAX_FRAME_BYTES, RequestId } from "@huddle/protocol";

/**
 * The `requestId` of a frame that is refused before it is parsed (rate limit),
 * so the refusal can still carry it. Looks no further than the envelope.
 */
export function requestIdOf(frame: string | ArrayBuffer): string | undefined {
  if (typeof frame !== "string" || frameBytes(frame) > MAX_FRAME_BYTES || !frame.includes('"requestId"')) {
    return undefined;
  }
  try {
    const raw: unknown = JSON.parse(frame);
    if (typeof raw !== "object" || raw === null) return undefined;
    const parsed = RequestId.safeParse((raw as { requestId?: unknown }).requestId);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
