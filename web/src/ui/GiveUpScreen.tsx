import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n/index.ts";

interface GiveUpScreenProps {
  /** How long the client tried (the reconnect limit), in seconds. */
  seconds: number;
  /** Join the same room again (a fresh connection). */
  onTryAgain: () => void;
  onBack: () => void;
}

/** The connection did not come back within the limit: say so, and offer the two ways on. */
export function GiveUpScreen({ seconds, onTryAgain, onBack }: GiveUpScreenProps) {
  const tryAgain = useRef<HTMLButtonElement>(null);
  useEffect(() => tryAgain.current?.focus(), []);
  return (
    <div
      class="overlay"
      role="alertdialog"
      aria-labelledby="gave-up-title"
      aria-describedby="gave-up-text"
      data-testid="gave-up"
    >
      <div class="overlay-card">
        <h2 id="gave-up-title">{t("reconnect.failedTitle")}</h2>
        <p id="gave-up-text">{t("reconnect.failedText", { count: seconds })}</p>
        <div class="overlay-actions">
          <button type="button" class="primary" ref={tryAgain} onClick={onTryAgain}>
            {t("reconnect.tryAgain")}
          </button>
          <button type="button" class="secondary" onClick={onBack}>
            {t("reconnect.backToLobby")}
          </button>
        </div>
      </div>
    </div>
  );
}
