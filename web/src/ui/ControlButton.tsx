import type { ComponentChildren } from "preact";

interface ToggleProps {
  /** Constant name of the control; with `pressed` it is a toggle (aria-pressed). */
  label: string;
  /** Tooltip describing what a click does now (defaults to the label). */
  hint?: string;
  pressed?: boolean;
  /** Visual "off" state (red) for a muted mic or a stopped camera. */
  off?: boolean;
  disabled?: boolean;
  onClick: () => void;
  children: ComponentChildren;
  badge?: number;
  controls?: string;
}

/** One round button of the call's controls (and of the lobby's preview): a toggle when `pressed` is given. */
export function ControlButton({
  label,
  hint,
  pressed,
  off,
  disabled,
  onClick,
  children,
  badge,
  controls,
}: ToggleProps) {
  return (
    <button
      type="button"
      class={`control${off ? " control-off" : pressed ? " control-active" : ""}`}
      aria-label={label}
      aria-pressed={pressed === undefined ? undefined : pressed}
      aria-controls={controls}
      title={hint ?? label}
      disabled={disabled}
      onClick={onClick}
    >
      {children}
      {badge !== undefined && badge > 0 && (
        <span class="control-badge" aria-hidden="true">
          {badge > 99 ? "99+" : badge}
        </span>
      )}
    </button>
  );
}
