import { t } from "../i18n/index.ts";
import { useCopy } from "./useCopy.ts";

/** Alone in the room: who is missing is said, with the link to send them. */
export function AlonePrompt({ link }: { link: string }) {
  const { copied, copy } = useCopy(t("call.copyPrompt"));
  return (
    <section class="alone-prompt" aria-labelledby="alone-title" data-testid="alone-prompt">
      <h2 id="alone-title">{t("alone.title")}</h2>
      <p>{t("alone.text")}</p>
      <div class="alone-link">
        <label class="visually-hidden" htmlFor="alone-link-input">
          {t("alone.linkLabel")}
        </label>
        <input id="alone-link-input" readOnly value={link} onFocus={(event) => event.currentTarget.select()} />
        <button type="button" class="primary" onClick={() => void copy(link)}>
          <span aria-live="polite">{copied ? t("call.linkCopied") : t("alone.copy")}</span>
        </button>
      </div>
    </section>
  );
}
