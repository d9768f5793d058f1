import { LOCALE_NAMES, LOCALES, setLocale, t, useLocale } from "../i18n/index.ts";

/**
 * The language of the client: a labelled select listing each language by its own name. Choosing
 * one switches the whole page at once (no reload) and is remembered in this browser.
 */
export function LanguageSwitch({ id = "language-select" }: { id?: string }) {
  const current = useLocale();
  return (
    <div class="language-switch">
      <label htmlFor={id}>{t("language.label")}</label>
      <select
        id={id}
        value={current}
        onChange={(event) => {
          const chosen = LOCALES.find((lang) => lang === event.currentTarget.value);
          if (chosen !== undefined) setLocale(chosen);
        }}
      >
        {LOCALES.map((lang) => (
          <option key={lang} value={lang} lang={lang}>
            {LOCALE_NAMES[lang]}
          </option>
        ))}
      </select>
    </div>
  );
}
