import { t } from "../i18n/index.ts";

interface PagerProps {
  /** 0-based. */
  index: number;
  count: number;
  onPage: (index: number) => void;
  /** "strip": the buttons sit at the ends of the strip of tiles. */
  variant?: "grid" | "strip";
}

function Chevron({ direction }: { direction: "left" | "right" }) {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <path
        d={direction === "left" ? "M15 5l-7 7 7 7" : "M9 5l7 7-7 7"}
        fill="none"
        stroke="currentColor"
        stroke-width="2"
        stroke-linecap="round"
        stroke-linejoin="round"
      />
    </svg>
  );
}

/** Previous and next page of the participants' tiles, with where we are ("Page 2 of 3"). */
export function Pager({ index, count, onPage, variant = "grid" }: PagerProps) {
  return (
    <nav class={`pager pager-${variant}`} aria-label={t("pager.label")} data-testid="pager">
      <button
        type="button"
        class="pager-button"
        aria-label={t("pager.previous")}
        title={t("pager.previous")}
        disabled={index <= 0}
        onClick={() => onPage(index - 1)}
      >
        <Chevron direction="left" />
      </button>
      <span class="pager-position" aria-live="polite" data-page={index + 1} data-pages={count}>
        {t("pager.position", { page: index + 1, pages: count })}
      </span>
      <button
        type="button"
        class="pager-button"
        aria-label={t("pager.next")}
        title={t("pager.next")}
        disabled={index >= count - 1}
        onClick={() => onPage(index + 1)}
      >
        <Chevron direction="right" />
      </button>
    </nav>
  );
}
