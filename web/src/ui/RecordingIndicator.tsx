import type { RecordingNow } from "@huddle/protocol";
import { formatTime, t } from "../i18n/index.ts";

/**
 * "Recording", with a red dot, for as long as the room is being recorded: everyone in the call
 * sees it (docs/recording.md, "Consent"). The live region is always there, so a screen reader
 * announces the word when it appears, not only once the element exists.
 */
export function RecordingIndicator({ recording }: { recording: RecordingNow | null }) {
  return (
    <span class="recording-status" role="status">
      {recording !== null && (
        <span
          class="recording-indicator"
          data-testid="recording-indicator"
          title={t("recording.indicatorSince", { time: formatTime(new Date(recording.startedAt)) })}
        >
          <span class="recording-dot" aria-hidden="true" />
          {t("recording.indicator")}
        </span>
      )}
    </span>
  );
}
