import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n/index.ts";

interface WaitingScreenProps {
  roomId: string;
  name: string;
  onCancel: () => void;
}

/** In the room's lobby: a moderator has to let us in (or not); Cancel stops waiting. */
export function WaitingScreen({ roomId, name, onCancel }: WaitingScreenProps) {
  const cancel = useRef<HTMLButtonElement>(null);
  // The dialog takes the focus (the join button under it is gone meanwhile).
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div
      class="overlay"
      role="dialog"
      aria-modal="true"
      aria-labelledby="waiting-title"
      aria-describedby="waiting-text"
    >
      <div class="overlay-card waiting-card" data-testid="waiting">
        <span class="waiting-dot" aria-hidden="true" />
        <h2 id="waiting-title">{t("waiting.title")}</h2>
        <p id="waiting-text" role="status">
          {t("waiting.text", { room: roomId, name })}
        </p>
        <button type="button" class="secondary" ref={cancel} onClick={onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </div>
  );
}
