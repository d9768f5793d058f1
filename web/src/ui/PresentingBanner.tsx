import { t } from "../i18n/index.ts";

/** While our screen is shared: said plainly, with the way to stop it right there. */
export function PresentingBanner({ onStop }: { onStop: () => void }) {
  return (
    <div class="presenting" role="status" data-testid="presenting">
      <span class="presenting-dot" aria-hidden="true" />
      <span>{t("presenting.text")}</span>
      <button type="button" class="presenting-stop" onClick={onStop}>
        {t("presenting.stop")}
      </button>
    </div>
  );
}
