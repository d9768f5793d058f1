import unhomoglyph from "unhomoglyph";

/**
 * The form two usernames are compared in: one room never holds two names with the same key, so
 * nobody can pass for someone else with a look-alike. The name itself is shown as typed.
 *
 * 1. NFKC, so compatibility forms (full-width `Ａ`, ligatures `ﬁ`, superscripts) are their plain
 *    letters and canonically equivalent spellings (`é` precomposed or `e` + U+0301) are one;
 * 2. case folding (upper then lower case, so `ß`/`SS` and `Σ`/`σ`/`ς` meet), then NFKC again;
 * 3. the Unicode TR39 skeleton: every character replaced by the prototype of its confusable class
 *    (Unicode's confusables.txt, as shipped by `unhomoglyph`), so mixed-script look-alikes such
 *    as Cyrillic `а` for Latin `a`, or `0` for `o`, `l` for `I`, `rn` for `m`, collide. We chose
 *    the skeleton over refusing mixed scripts: it keeps every script usable and only refuses the
 *    second of two names that would look the same;
 * 4. lower case again (skeleton prototypes are sometimes upper case) and NFC.
 *
 * Invisible, control and bidi characters never reach this: the protocol's `Username` refuses
 * them, and allows single spaces only (so no whitespace tricks either).
 */
export function usernameKey(username: string): string {
  const folded = username.normalize("NFKC").toUpperCase().toLowerCase().normalize("NFKC");
  return unhomoglyph(folded.normalize("NFD")).toLowerCase().normalize("NFC");
}
