import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n/index.ts";
import { keyLabel, SHORTCUTS } from "./shortcuts.ts";

const isMac = () => /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** The list of keyboard shortcuts, as a modal dialog: Escape or Close shuts it, focus returns. */
export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    return () => before?.focus?.();
  }, []);
  const mac = isMac();
  return (
    <div class="overlay">
      <div
        class="overlay-card shortcuts-help"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            event.stopPropagation();
            onClose();
          }
          // The dialog is modal: Tab stays on its one button.
          if (event.key === "Tab") {
            event.preventDefault();
            closeRef.current?.focus();
          }
        }}
      >
        <h2 id="shortcuts-title">{t("shortcuts.title")}</h2>
        <dl class="shortcuts-list">
          {SHORTCUTS.map((shortcut) => (
            <div key={shortcut.action} class="shortcut" data-action={shortcut.action}>
              <dt>
                {shortcut.keys.map((key, i) => (
                  <span key={key}>
                    {i > 0 && ` ${t("shortcuts.or")} `}
                    <kbd>{keyLabel(key, mac)}</kbd>
                  </span>
                ))}
              </dt>
              <dd>{t(shortcut.label)}</dd>
            </div>
          ))}
        </dl>
        <button type="button" class="primary" ref={closeRef} onClick={onClose}>
          {t("shortcuts.close")}
        </button>
      </div>
    </div>
  );
}
