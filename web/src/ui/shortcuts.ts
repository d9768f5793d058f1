import type { MessageKey } from "../i18n/index.ts";

export type ShortcutAction = "mute" | "camera" | "hand" | "chat" | "help";

/** Every shortcut, in the order the help lists them: its keys (any of them) and what it does. */
export const SHORTCUTS: readonly { action: ShortcutAction; keys: readonly string[]; label: MessageKey }[] = [
  { action: "mute", keys: ["Ctrl+D", "M"], label: "shortcuts.mute" },
  { action: "camera", keys: ["Ctrl+E", "V"], label: "shortcuts.camera" },
  { action: "hand", keys: ["H"], label: "shortcuts.hand" },
  { action: "chat", keys: ["C"], label: "shortcuts.chat" },
  { action: "help", keys: ["?"], label: "shortcuts.help" },
];

const PLAIN: Record<string, ShortcutAction> = { m: "mute", v: "camera", h: "hand", c: "chat" };
const WITH_CONTROL: Record<string, ShortcutAction> = { d: "mute", e: "camera" };

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  repeat?: boolean;
  isComposing?: boolean;
  target: EventTarget | null;
}

/** Whether keys pressed in `target` are someone typing (a text field, a select, an editable element). */
export function isTyping(target: EventTarget | null): boolean {
  if (target === null || typeof (target as Element).closest !== "function") return false;
  const element = target as HTMLElement;
  if (element.isContentEditable) return true;
  return element.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])") !== null;
}

/**
 * The shortcut a key press means, or null: never while typing, never for a held key, Ctrl (or
 * ⌘ on a Mac) with D or E, the single letters without any modifier, `?` with or without Shift.
 */
export function shortcutOf(event: KeyLike): ShortcutAction | null {
  if (event.repeat === true || event.isComposing === true || isTyping(event.target)) return null;
  if (event.altKey) return null;
  const key = event.key.toLowerCase();
  if (event.ctrlKey || event.metaKey) {
    if (event.shiftKey || (event.ctrlKey && event.metaKey)) return null;
    return WITH_CONTROL[key] ?? null;
  }
  if (event.key === "?") return "help";
  if (event.shiftKey) return null;
  return PLAIN[key] ?? null;
}

/** "Ctrl+D" as a Mac shows it ("⌘+D"); other keys as they are. */
export function keyLabel(key: string, mac: boolean): string {
  return mac ? key.replace(/^Ctrl\+/, "⌘+") : key;
}
