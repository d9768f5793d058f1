import { useEffect, useState } from "preact/hooks";
import { LOCALES, type Locale, type Message } from "./catalog.ts";
import { en, type MessageKey } from "./en.ts";
import { ru } from "./ru.ts";

export { LOCALE_NAMES, LOCALES, type Locale } from "./catalog.ts";
export type { MessageKey } from "./en.ts";

const CATALOGS: Record<Locale, Record<MessageKey, Message>> = { en, ru };
const STORAGE_KEY = "huddle.locale";

/** Parameters of a message: `{name}` placeholders; `count` also picks the plural form. */
export type MessageParams = Record<string, string | number>;

/** The first of the browser's languages the client speaks, else English. */
export function browserLocale(languages: readonly string[] = navigator.languages ?? [navigator.language]): Locale {
  for (const tag of languages) {
    const base = tag.toLowerCase().split("-")[0];
    const found = LOCALES.find((l) => l === base);
    if (found !== undefined) return found;
  }
  return "en";
}

function savedLocale(): Locale | null {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    return LOCALES.find((l) => l === saved) ?? null;
  } catch {
    return null;
  }
}

let current: Locale = typeof navigator === "undefined" ? "en" : (savedLocale() ?? browserLocale());
const listeners = new Set<(locale: Locale) => void>();

/** The language the client speaks now. */
export function locale(): Locale {
  return current;
}

/** Switches the language (remembered in this browser) and re-renders whoever `useLocale()`s. */
export function setLocale(next: Locale): void {
  if (next === current) return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Private mode: the choice lasts this page only.
  }
  if (typeof document !== "undefined") document.documentElement.lang = next;
  for (const listener of listeners) listener(next);
}

/** The current language, as state: the component re-renders (with its children) when it changes. */
export function useLocale(): Locale {
  const [value, setValue] = useState(current);
  useEffect(() => {
    listeners.add(setValue);
    return () => {
      listeners.delete(setValue);
    };
  }, []);
  return value;
}

const pluralRules = new Map<Locale, Intl.PluralRules>();
function pluralOf(lang: Locale, count: number): Intl.LDMLPluralRule {
  let rules = pluralRules.get(lang);
  if (rules === undefined) {
    rules = new Intl.PluralRules(lang);
    pluralRules.set(lang, rules);
  }
  return rules.select(count);
}

/** Resolves one message in a language (tests use it to compare a page against the catalog). */
export function translate(lang: Locale, key: MessageKey, params: MessageParams = {}): string {
  const message = CATALOGS[lang][key];
  const text =
    typeof message === "string" ? message : (message[pluralOf(lang, Number(params.count ?? 0))] ?? message.other);
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? new Intl.NumberFormat(lang).format(value) : value;
  });
}

/** A message in the current language. Call it while rendering, never at module load. */
export function t(key: MessageKey, params?: MessageParams): string {
  return translate(current, key, params);
}

/** A number in the current language's format. */
export function formatNumber(value: number): string {
  return new Intl.NumberFormat(current).format(value);
}

/** A time of day in the current language's format (chat messages, recording start). */
export function formatTime(date: Date): string {
  return new Intl.DateTimeFormat(current, { hour: "2-digit", minute: "2-digit" }).format(date);
}
