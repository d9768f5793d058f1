import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { Message } from "../../../web/src/i18n/catalog.ts";
import { en } from "../../../web/src/i18n/en.ts";
import { browserLocale, type MessageKey, setLocale, translate } from "../../../web/src/i18n/index.ts";
import { ru } from "../../../web/src/i18n/ru.ts";
import { checkRoomId, checkUsername } from "../../../web/src/ui/lobbyValidation.ts";

/** Messages that are rightly the same in both languages: the brand, and pure punctuation around placeholders. */
const SAME_IN_BOTH = new Set<MessageKey>(["app.brand", "app.documentTitle", "problem.withDetail", "reaction.from"]);

const keys = Object.keys(en) as MessageKey[];
const forms = (message: Message): string[] => (typeof message === "string" ? [message] : Object.values(message));
const placeholders = (text: string): string[] =>
  [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? ""))].sort();
const placeholdersOf = (message: Message): string[] => [...new Set(forms(message).flatMap(placeholders))].sort();

describe("the message catalogs", () => {
  it("Russian has exactly the keys of English", () => {
    expect(Object.keys(ru).sort()).toEqual([...keys].sort());
  });

  it("every form of a Russian message has the placeholders of the English one", () => {
    for (const key of keys) {
      const expected = placeholdersOf(en[key]);
      for (const text of forms(ru[key])) expect(placeholders(text), `${key}: ${text}`).toEqual(expected);
      for (const text of forms(en[key])) expect(placeholders(text), `${key}: ${text}`).toEqual(expected);
    }
  });

  it("a message with a count is a plural message, with the forms each language needs", () => {
    const counted = keys.filter((key) => placeholdersOf(en[key]).includes("count"));
    expect(counted.length).toBeGreaterThan(0);
    for (const key of keys) {
      const hasCount = counted.includes(key);
      expect(typeof en[key] !== "string", `${key}: plural in en iff it has {count}`).toBe(hasCount);
      expect(typeof ru[key] !== "string", `${key}: plural in ru iff it has {count}`).toBe(hasCount);
      if (!hasCount) continue;
      expect(Object.keys(en[key]).sort(), key).toEqual(["one", "other"]);
      expect(Object.keys(ru[key]).sort(), key).toEqual(["few", "many", "one", "other"]);
    }
  });

  it("Russian is translated: no value equal to the English one, and each one in Cyrillic", () => {
    for (const key of keys) {
      if (SAME_IN_BOTH.has(key)) continue;
      expect(JSON.stringify(ru[key]), key).not.toBe(JSON.stringify(en[key]));
      for (const text of forms(ru[key])) {
        // Words (not only quotes around a placeholder) are Russian words.
        if (/\p{L}/u.test(text.replace(/\{\w+\}/g, ""))) expect(text, key).toMatch(/\p{Script=Cyrillic}/u);
      }
    }
  });

  it("no catalog text is empty or has stray spaces at its ends", () => {
    for (const catalog of [en, ru] as Record<MessageKey, Message>[]) {
      for (const key of keys) {
        for (const text of forms(catalog[key])) {
          expect(text.trim(), key).not.toBe("");
          expect(text, key).toBe(text.trim());
        }
      }
    }
  });
});

describe("translate", () => {
  it("picks the Russian plural form by the count (1 участник, 2 участника, 5 участников)", () => {
    const people = (count: number) => translate("ru", "call.peopleCount", { count });
    expect(people(1)).toBe("1 участник в звонке");
    expect(people(2)).toBe("2 участника в звонке");
    expect(people(4)).toBe("4 участника в звонке");
    expect(people(5)).toBe("5 участников в звонке");
    expect(people(11)).toBe("11 участников в звонке");
    expect(people(21)).toBe("21 участник в звонке");
    expect(people(22)).toBe("22 участника в звонке");
    expect(translate("en", "call.peopleCount", { count: 1 })).toBe("1 person in the call");
    expect(translate("en", "call.peopleCount", { count: 3 })).toBe("3 people in the call");
  });

  it("fills placeholders, numbers in the language's own format", () => {
    expect(translate("en", "left.room", { room: "team-1" })).toBe("Room “team-1”");
    expect(translate("ru", "left.room", { room: "team-1" })).toBe("Комната «team-1»");
    expect(translate("ru", "validation.tooLong", { count: 1500, max: 64 })).toBe(
      "Слишком длинно: 1\u00a0500 символов, а можно не больше 64.",
    );
  });
});

describe("browserLocale: the first of the browser's languages the client speaks", () => {
  it("takes Russian from any Russian tag, in the browser's order", () => {
    expect(browserLocale(["ru-RU", "en-US"])).toBe("ru");
    expect(browserLocale(["de-DE", "ru"])).toBe("ru");
    expect(browserLocale(["en-GB", "ru-RU"])).toBe("en");
  });

  it("falls back to English", () => {
    expect(browserLocale(["de-DE", "fr"])).toBe("en");
    expect(browserLocale([])).toBe("en");
  });
});

describe("the lobby's checks speak the chosen language", () => {
  afterEach(() => setLocale("en"));

  it("says what is wrong in Russian after a switch", () => {
    setLocale("ru");
    const message = (verdict: ReturnType<typeof checkRoomId>) => (verdict.ok ? null : verdict.message);
    expect(message(checkRoomId("r".repeat(300)))).toBe("Слишком длинно: 300 символов, а можно не больше 64.");
    expect(message(checkUsername("a".repeat(33)))).toBe("Слишком длинно: 33 символа, а можно не больше 32.");
    expect(message(checkUsername(" alice"))).toBe("Уберите пробел в начале.");
    expect(message(checkRoomId("café/1"))).toBe(
      "Нельзя использовать «é», «/»: только латинские буквы, цифры, «-» и «_».",
    );
    setLocale("en");
    expect(message(checkUsername(" alice"))).toBe("Remove the space at the start.");
  });
});

/**
 * A guard against strings added back outside the catalogs: JSX text and the user-facing
 * attributes of web/src hold no literal words (everything visible goes through `t()`).
 */
describe("no literal words in the client's markup", () => {
  const root = fileURLToPath(new URL("../../../web/src/", import.meta.url));
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".tsx") ? [join(dir, entry.name)] : [],
    );

  it("finds the components", () => {
    expect(sources(root).length).toBeGreaterThan(10);
  });

  it.each(sources(root).map((file) => [file.slice(root.length), file]))("%s", (_name, file) => {
    const text = readFileSync(file, "utf8");
    const found: string[] = [];
    // Text between tags: `>Join call<`, `> Leave\n`; code (`{...}`), closing braces and arrows
    // (`=> Promise<void>`) are skipped.
    for (const match of text.matchAll(/(?<!=)>([^<>{}]*)</g)) {
      const words = (match[1] ?? "").trim();
      if (/\p{L}{2,}/u.test(words) && !/[=;()]/.test(words)) found.push(words);
    }
    // Attributes a person sees or hears.
    for (const match of text.matchAll(/\b(aria-label|title|placeholder|alt|label|hint)="([^"]*)"/g)) {
      if (/\p{L}{2,}/u.test(match[2] ?? "") && !match[2]?.includes("${")) found.push(`${match[1]}="${match[2]}"`);
    }
    expect(found).toEqual([]);
  });
});
