import { t } from "../i18n/index.ts";
import type { Refusal } from "../signaling/refusal.ts";

interface RefusalCardProps {
  refusal: Refusal;
  onBack: () => void;
  /** The id prefix of the card's title and text (for the dialog that labels itself with them). */
  id?: string;
}

/** Why the room turned us away (removed, ended, locked, denied, a bad invite), and the way back. */
export function RefusalCard({ refusal, onBack, id = "refusal" }: RefusalCardProps) {
  return (
    <div class="overlay-card refusal-card" data-refusal={refusal.kind}>
      <h2 id={`${id}-title`}>{t(refusal.title)}</h2>
      <p id={`${id}-text`}>{t(refusal.text)}</p>
      {refusal.detail !== undefined && <p class="refusal-detail">{t("refusal.detail", { detail: refusal.detail })}</p>}
      <button type="button" class="primary" onClick={onBack}>
        {t("common.backToLobby")}
      </button>
    </div>
  );
}

/** A refusal before the call (at join): the whole page. */
export function RefusalScreen({ refusal, onBack }: { refusal: Refusal; onBack: () => void }) {
  return (
    <main class="lobby refusal">
      <h1 class="brand">
        <span class="brand-mark" aria-hidden="true" />
        {t("app.brand")}
      </h1>
      <div role="alert" aria-labelledby="refusal-title" aria-describedby="refusal-text">
        <RefusalCard refusal={refusal} onBack={onBack} />
      </div>
    </main>
  );
}
