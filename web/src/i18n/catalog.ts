/**
 * The shape of a message catalog. A message is a string with `{name}` placeholders, or, where a
 * number decides the wording, one string per plural category of `Intl.PluralRules` (`other` is
 * always there; Russian also needs `one`, `few` and `many`). The number is the `count` parameter.
 */
export type PluralMessage = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
export type Message = string | PluralMessage;

/** The languages the client speaks. */
export const LOCALES = ["en", "ru"] as const;
export type Locale = (typeof LOCALES)[number];

/** Each language's own name, for the language switch. */
export const LOCALE_NAMES: Record<Locale, string> = { en: "English", ru: "Русский" };
