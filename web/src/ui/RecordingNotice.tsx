import type { RecordingNow, RoomPreview } from "@huddle/protocol";
import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "../i18n/index.ts";

/** The lobby asks again this often, so a recording started while the person waits is shown. */
const REFRESH_MS = 10_000;
/** Typing a room name asks once the typing pauses. */
const TYPING_PAUSE_MS = 300;

/** The preview code (and the protocol's schemas) load with the call code, not with the lobby. */
const loadPreview = () => import("../call/roomPreview.ts");

/**
 * The edge's room preview of room `roomId` (whether it is being recorded now, its router); null
 * while unknown, when the edge cannot say, or when `roomId` is not a valid room name (`valid`
 * false). The room the lobby opened with is asked at once, a typed one when the typing pauses.
 */
export function useRoomPreview(
  edgeUrl: Promise<string>,
  roomId: string,
  valid: boolean,
  token: string | undefined,
): RoomPreview | null {
  const [preview, setPreview] = useState<RoomPreview | null>(null);
  const opened = useRef(true);
  useEffect(() => {
    const delay = opened.current ? 0 : TYPING_PAUSE_MS;
    opened.current = false;
    setPreview(null);
    if (!valid) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = async () => {
      const [{ fetchRoomPreview }, url] = await Promise.all([loadPreview(), edgeUrl]);
      const answer = await fetchRoomPreview(url, roomId, token, abort.signal);
      if (abort.signal.aborted) return;
      setPreview(answer);
      timer = setTimeout(run, REFRESH_MS);
    };
    const run = () => void ask().catch(() => {});
    timer = setTimeout(run, delay);
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [edgeUrl, roomId, valid, token]);
  return preview;
}

/**
 * Told before joining: the room is being recorded. The live region is always there, so a screen
 * reader announces the notice when it appears.
 */
export function RecordingNotice({ recording }: { recording: RecordingNow | null }) {
  return (
    <div class="recording-notice-region" role="status">
      {recording !== null && (
        <p class="notice notice-recording" data-testid="recording-notice">
          <span class="recording-dot" aria-hidden="true" />
          {t("recording.lobbyNotice")}
        </p>
      )}
    </div>
  );
}
