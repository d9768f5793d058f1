import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n/index.ts";

interface LeftScreenProps {
  roomId: string;
  onRejoin: () => void;
  onLobby: () => void;
}

/** After Leave: where the person was, a way straight back in, and the way to the lobby. */
export function LeftScreen({ roomId, onRejoin, onLobby }: LeftScreenProps) {
  const rejoin = useRef<HTMLButtonElement>(null);
  // The call's controls are gone: the focus goes to the likeliest next step.
  useEffect(() => rejoin.current?.focus(), []);
  return (
    <main class="lobby left-screen">
      <h1 class="brand">
        <span class="brand-mark" aria-hidden="true" />
        {t("app.brand")}
      </h1>
      <section class="overlay-card" aria-labelledby="left-title" data-testid="left-screen">
        <h2 id="left-title">{t("left.title")}</h2>
        <p>{t("left.room", { room: roomId })}</p>
        <div class="card-actions">
          <button type="button" class="primary" onClick={onRejoin} ref={rejoin}>
            {t("left.rejoin")}
          </button>
          <button type="button" class="secondary" onClick={onLobby}>
            {t("common.backToLobby")}
          </button>
        </div>
      </section>
    </main>
  );
}
