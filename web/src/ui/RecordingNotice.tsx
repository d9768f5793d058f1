import type { RecordingNow } from "@huddle/protocol";
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n/index.ts";

/** The lobby asks again this often, so a recording started while the person waits is shown. */
const REFRESH_MS = 10_000;
/** Typing a room name asks once the typing pauses. */
const TYPING_PAUSE_MS = 300;

/** The preview code (and the protocol's schemas) load with the call code, not with the lobby. */
const loadPreview = () => import("../call/roomPreview.ts");

/**
 * Whether room `roomId` is being recorded now, as the edge's room preview says; null while
 * unknown, when it is not, or when `roomId` is not a valid room name (`valid` false).
 */
export function useRoomRecording(
  edgeUrl: Promise<string>,
  roomId: string,
  valid: boolean,
  token: string | undefined,
): RecordingNow | null {
  const [recording, setRecording] = useState<RecordingNow | null>(null);
  useEffect(() => {
    setRecording(null);
    if (!valid) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = async () => {
      const [{ fetchRoomPreview }, url] = await Promise.all([loadPreview(), edgeUrl]);
      const preview = await fetchRoomPreview(url, roomId, token, abort.signal);
      if (abort.signal.aborted) return;
      setRecording(preview?.recording ?? null);
      timer = setTimeout(run, REFRESH_MS);
    };
    const run = () => void ask().catch(() => {});
    timer = setTimeout(run, TYPING_PAUSE_MS);
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [edgeUrl, roomId, valid, token]);
  return recording;
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
