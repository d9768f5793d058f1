import { useState } from "preact/hooks";
import { t } from "../i18n/index.ts";
import { SignalingError } from "../signaling/errors.ts";
import { ControlButton } from "./ControlButton.tsx";

/** Why a start or stop did not work, in words for the person who pressed the button. */
export function recordingErrorText(error: unknown): string {
  const code = error instanceof SignalingError ? error.code : undefined;
  switch (code) {
    case "recording-active":
      return t("recording.error.active");
    case "not-recording":
      return t("recording.error.notRecording");
    case "media-unavailable":
      return t("recording.error.unavailable");
    case "unauthorized":
      return t("recording.error.unauthorized");
    default:
      return t("recording.error.other", { message: error instanceof Error ? error.message : String(error) });
  }
}

const RecordIcon = () => (
  <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
    <circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="2" />
    <circle cx="12" cy="12" r="5" fill="currentColor" />
  </svg>
);

interface RecordingButtonProps {
  recording: boolean;
  onStart: () => Promise<void>;
  onStop: () => Promise<void>;
  /** A start or stop failed: said to the person (a toast). */
  onError: (text: string) => void;
}

/** Start / stop recording, for participants whose grants allow it (`roomAdmin` or `roomRecord`). */
export function RecordingButton({ recording, onStart, onStop, onError }: RecordingButtonProps) {
  const [busy, setBusy] = useState(false);
  const click = () => {
    if (busy) return;
    setBusy(true);
    (recording ? onStop() : onStart())
      .catch((error: unknown) => onError(recordingErrorText(error)))
      .finally(() => setBusy(false));
  };
  return (
    <ControlButton
      label={t("recording.control")}
      hint={recording ? t("recording.stop") : t("recording.start")}
      pressed={recording}
      off={recording}
      disabled={busy}
      onClick={click}
    >
      <RecordIcon />
    </ControlButton>
  );
}
