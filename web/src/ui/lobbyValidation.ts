import { ROOM_ID_MAX_LENGTH, ROOM_ID_PATTERN, USERNAME_MAX_LENGTH, USERNAME_PATTERN } from "@huddle/protocol";
import { t } from "../i18n/index.ts";

/** The hint under the room field, in the current language (called while rendering). */
export const roomHint = () => t("validation.roomHint", { max: ROOM_ID_MAX_LENGTH });

/** The hint under the name field, in the current language. */
export const nameHint = () => t("validation.nameHint", { max: USERNAME_MAX_LENGTH });

const tooLong = (length: number, max: number) => t("validation.tooLong", { count: length, max });

/** What a check found: nothing (valid), or why not; `empty` is not an error to show in red. */
export type Verdict = { ok: true } | { ok: false; empty: boolean; message: string };

const OK: Verdict = { ok: true };
const fail = (message: string, empty = false): Verdict => ({ ok: false, empty, message });

/** A character as a person can read it: printable ones quoted, invisible ones by code point. */
function shown(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const invisible = /[\p{C}\p{Z}]/u.test(char) && char !== " ";
  return invisible ? `U+${code.toString(16).toUpperCase().padStart(4, "0")}` : t("validation.quoted", { char });
}

/** The distinct characters of `value` that `allowed` refuses, listed for a person. */
function refused(value: string, allowed: RegExp): string {
  const found = [...new Set([...value].filter((char) => !allowed.test(char)))];
  return found.slice(0, 5).map(shown).join(", ");
}

function spaces(value: string): Verdict | null {
  const start = value !== value.trimStart();
  const end = value !== value.trimEnd();
  if (start && end) return fail(t("validation.spacesAtEnds"));
  if (start) return fail(t("validation.spaceAtStart"));
  if (end) return fail(t("validation.spaceAtEnd"));
  return null;
}

/** Checks a room name as typed (never changed: what is wrong is said, nothing is cut). */
export function checkRoomId(value: string): Verdict {
  if (value === "") return fail(t("validation.roomEmpty"), true);
  if (value.length > ROOM_ID_MAX_LENGTH) return fail(tooLong(value.length, ROOM_ID_MAX_LENGTH));
  const ends = spaces(value);
  if (ends !== null) return ends;
  if (/\s/.test(value)) return fail(t("validation.roomSpaces"));
  if (!ROOM_ID_PATTERN.test(value))
    return fail(t("validation.roomCharacters", { chars: refused(value, /[A-Za-z0-9_-]/) }));
  return OK;
}

/** Checks a display name as typed, against the protocol's USERNAME_PATTERN and length. */
export function checkUsername(value: string): Verdict {
  if (value === "") return fail(t("validation.nameEmpty"), true);
  if (value.length > USERNAME_MAX_LENGTH) return fail(tooLong(value.length, USERNAME_MAX_LENGTH));
  const ends = spaces(value);
  if (ends !== null) return ends;
  if (USERNAME_PATTERN.test(value)) return OK;
  const bad = refused(value, /[\p{L}\p{N}\p{M}._ -]/u);
  if (bad !== "") return fail(t("validation.nameCharacters", { chars: bad }));
  if (value.includes("  ")) return fail(t("validation.doubleSpace"));
  return fail(t("validation.nameMarks"));
}
