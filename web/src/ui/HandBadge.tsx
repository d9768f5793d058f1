import { t } from "../i18n/index.ts";

/** A raised hand on a tile or in the list, with its place in line (1: raised first). */
export function HandBadge({ position }: { position: number }) {
  const label = t("hand.raisedPosition", { position });
  return (
    <span class="badge badge-hand" role="img" aria-label={label} title={label} data-hand={position}>
      <span aria-hidden="true">✋</span>
      <span class="badge-hand-position" aria-hidden="true">
        {position}
      </span>
    </span>
  );
}
