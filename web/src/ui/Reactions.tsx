import { REACTIONS, type Reaction } from "@huddle/protocol";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import { type MessageKey, t } from "../i18n/index.ts";
import { PresenceContext } from "./presence.ts";

/** What each reaction of the protocol looks like. */
export const REACTION_GLYPHS: Record<Reaction, string> = {
  "thumbs-up": "👍",
  heart: "❤️",
  laugh: "😂",
  tada: "🎉",
  clap: "👏",
  surprised: "😮",
};

export const reactionName = (reaction: Reaction) => t(`reaction.${reaction}` as MessageKey);

/** The reactions `user` sent in the last few seconds, floating over their tile. */
export function TileReactions({ user, name }: { user: string; name: string }) {
  const { reactions } = useContext(PresenceContext);
  const mine = reactions.filter((r) => r.user === user);
  if (mine.length === 0) return null;
  return (
    <div class="tile-reactions">
      {mine.map((r) => (
        <span
          key={r.id}
          class="reaction-float"
          role="img"
          aria-label={t("reaction.from", { name, reaction: reactionName(r.reaction) })}
          data-reaction={r.reaction}
        >
          {REACTION_GLYPHS[r.reaction]}
        </span>
      ))}
    </div>
  );
}

/** The control bar's reaction button: opens the fixed set; a choice sends it and closes. */
export function ReactionPicker({ disabled, onReact }: { disabled: boolean; onReact: (reaction: Reaction) => void }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    root.current?.querySelector<HTMLButtonElement>(".reaction-choice")?.focus();
    const outside = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", outside);
    return () => document.removeEventListener("pointerdown", outside);
  }, [open]);
  const close = () => {
    setOpen(false);
    root.current?.querySelector<HTMLButtonElement>(".reaction-toggle")?.focus();
  };
  return (
    <div class="reaction-picker" ref={root}>
      <button
        type="button"
        class={`control reaction-toggle${open ? " control-active" : ""}`}
        aria-label={t("reaction.open")}
        title={t("reaction.open")}
        aria-expanded={open}
        aria-controls="reaction-menu"
        disabled={disabled}
        onClick={() => setOpen((now) => !now)}
      >
        <span aria-hidden="true">🙂</span>
      </button>
      {open && (
        <fieldset
          class="reaction-menu"
          id="reaction-menu"
          onKeyDown={(event) => {
            if (event.key !== "Escape") return;
            event.stopPropagation();
            close();
          }}
        >
          <legend class="visually-hidden">{t("reaction.menu")}</legend>
          {REACTIONS.map((reaction) => (
            <button
              key={reaction}
              type="button"
              class="reaction-choice"
              aria-label={reactionName(reaction)}
              title={reactionName(reaction)}
              onClick={() => {
                onReact(reaction);
                close();
              }}
            >
              {REACTION_GLYPHS[reaction]}
            </button>
          ))}
        </fieldset>
      )}
    </div>
  );
}
