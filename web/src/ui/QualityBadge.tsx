import type { ConnectionQuality } from "@huddle/protocol";
import { t } from "../i18n/index.ts";

/** Bars lit for each quality (of four). */
const BARS: Record<ConnectionQuality, number> = { excellent: 4, good: 3, poor: 1, lost: 0 };

/** A participant's connection quality on their tile: signal bars, said in words to screen readers. */
export function QualityBadge({ quality }: { quality: ConnectionQuality }) {
  const label = t(`quality.${quality}`);
  const lit = BARS[quality];
  return (
    <span
      class={`badge badge-quality quality-${quality}`}
      role="img"
      aria-label={label}
      title={label}
      data-quality={quality}
    >
      <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
        {[0, 1, 2, 3].map((bar) => (
          <rect
            key={bar}
            x={1 + bar * 4}
            y={12 - bar * 3}
            width="2.5"
            height={3 + bar * 3}
            rx="0.5"
            class={bar < lit ? "quality-bar-on" : "quality-bar-off"}
          />
        ))}
      </svg>
    </span>
  );
}
