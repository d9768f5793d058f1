import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { Message } from "../../web/src/i18n/catalog.ts";
import { en } from "../../web/src/i18n/en.ts";
import { LOCALE_NAMES, type Locale, type MessageKey, translate } from "../../web/src/i18n/index.ts";
import { ru } from "../../web/src/i18n/ru.ts";
import { ARTIFACTS } from "../support/paths.ts";
import { ENGLISH, launchChromium } from "./support/browser.ts";
import { CallPage, requiredServer } from "./support/call-page.ts";

const edgeUrl = requiredServer("HUDDLE_E2E_MESH_URL");

const CATALOGS: Record<Locale, Record<MessageKey, Message>> = { en, ru };
const RUSSIAN = ["ru-RU", "ru"];

/** One string a person sees or hears: a text node, an attribute, the page title. */
interface Shown {
  where: string;
  text: string;
}

/**
 * Everything of the page a person can read or hear: the text nodes (screen-reader-only ones
 * too) of every rendered element, the aria-label, placeholder and title attributes, the
 * options of the selects and the document title.
 */
function collect(page: CallPage): Promise<Shown[]> {
  return page.page.evaluate(() => {
    const rendered = (element: Element): boolean => {
      for (let e: Element | null = element; e !== null; e = e.parentElement) {
        if (e instanceof HTMLElement && e.hidden) return false;
        if (getComputedStyle(e).display === "none") return false;
      }
      return true;
    };
    const describe = (element: Element) =>
      `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ""}${element.className ? `.${String(element.className).split(" ")[0]}` : ""}`;
    const shown: { where: string; text: string }[] = [{ where: "document.title", text: document.title }];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const parent = node.parentElement;
      const text = node.textContent?.trim() ?? "";
      if (parent === null || text === "" || parent.closest("script, style") !== null || !rendered(parent)) continue;
      shown.push({ where: describe(parent), text });
    }
    for (const element of document.body.querySelectorAll("[aria-label], [placeholder], [title]")) {
      if (!rendered(element)) continue;
      for (const name of ["aria-label", "placeholder", "title"]) {
        const value = element.getAttribute(name)?.trim();
        if (value) shown.push({ where: `${describe(element)}[${name}]`, text: value });
      }
    }
    return shown;
  });
}

/** The names of the cameras and microphones Chromium offers (device names, in no language of ours). */
function deviceLabels(page: CallPage): Promise<string[]> {
  return page.page
    .locator("#microphone-select option, #camera-select option")
    .evaluateAll((options) =>
      options.filter((o) => (o as HTMLOptionElement).value !== "").map((o) => o.textContent?.trim() ?? ""),
    );
}

/**
 * The chat's times, each checked to be in `lang`'s own format (03:34 PM, 15:34), in the page's
 * time zone; returned to be passed over as names (a time is in no catalog).
 */
async function checkedTimes(page: CallPage, lang: Locale): Promise<string[]> {
  const { zone, times } = await page.page.evaluate(() => ({
    zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    times: [...document.querySelectorAll("time")].map((t) => ({ iso: t.dateTime, text: t.textContent ?? "" })),
  }));
  expect(times.length).toBeGreaterThan(0);
  const format = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", timeZone: zone });
  for (const { iso, text } of times) expect(text, iso).toBe(format.format(new Date(iso)));
  return times.map((t) => t.text);
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Every form of every message of a catalog as a whole-string pattern (a placeholder matches any text). */
function patterns(lang: Locale): { key: string; pattern: RegExp }[] {
  return Object.entries(CATALOGS[lang]).flatMap(([key, message]) =>
    (typeof message === "string" ? [message] : Object.values(message)).map((form) => ({
      key,
      pattern: new RegExp(
        `^${form
          .split(/\{\w+\}/)
          .map(literal)
          .join(".+")}$`,
        "su",
      ),
    })),
  );
}

/**
 * What on the page is not in `lang`: a string that is no message of its catalog (and not a name,
 * a room, a device, a language's own name, a chat text, a number or an initial), or a word in
 * the other language's script once those names are taken out.
 */
function notIn(lang: Locale, shown: Shown[], names: string[]): string[] {
  const own = patterns(lang);
  const allowed = [...names, ...Object.values(LOCALE_NAMES)]
    .filter((n) => n !== "")
    .sort((a, b) => b.length - a.length);
  const foreign = lang === "ru" ? /[A-Za-z]{2,}/ : /\p{Script=Cyrillic}/u;
  const problems: string[] = [];
  for (const { where, text } of shown) {
    let rest = text;
    for (const name of allowed) rest = rest.split(name).join(" ");
    // Latin words the Russian catalog uses on purpose (the brand) are Russian text too.
    if (lang === "ru") rest = rest.replace(/\bHuddle\b/g, " ");
    if (foreign.test(rest)) problems.push(`${where}: “${text}” has words in the wrong language`);
    if (allowed.includes(text) || !/\p{L}{2,}/u.test(rest)) continue;
    if (!own.some(({ pattern }) => pattern.test(text))) problems.push(`${where}: “${text}” is no ${lang} message`);
  }
  return problems;
}

/** Joins from the lobby without reading its words (it may speak any language). */
async function joinCall(page: CallPage): Promise<void> {
  await page.page.locator("#name-input").fill(page.name);
  await page.page.locator('.lobby-form button[type="submit"]').click();
  await page.page.locator('[role="status"][data-state="connected"]').waitFor({ timeout: 30_000 });
}

describe("the client speaks the browser's language, Russian or English, and switches without a reload", () => {
  let russianBrowser: Browser;
  let englishBrowser: Browser;
  let pages: CallPage[] = [];

  beforeAll(async () => {
    russianBrowser = await launchChromium("accept", RUSSIAN);
    englishBrowser = await launchChromium("accept", ENGLISH);
  });

  afterEach(async () => {
    for (const page of pages) await page.close();
    pages = [];
  });

  afterAll(async () => {
    await russianBrowser?.close();
    await englishBrowser?.close();
  });

  for (const lang of ["ru", "en"] as const) {
    test(`with the browser in ${lang === "ru" ? "Russian" : "English"}, the lobby and a two-person call are all in it`, async () => {
      const browser = lang === "ru" ? russianBrowser : englishBrowser;
      const room = `lang-${lang}-${Date.now().toString(36)}`;
      const alice = await CallPage.open(browser, edgeUrl, room, "Alice");
      const bob = await CallPage.open(browser, edgeUrl, room, "Bob");
      pages.push(alice, bob);
      const chatText = lang === "ru" ? "Всем привет" : "Hello all";

      // The lobby, once the camera preview runs and the devices are listed.
      await alice.page.locator(".lobby-preview video:not([hidden])").waitFor({ timeout: 30_000 });
      await alice.page.locator("#camera-select:not([disabled])").waitFor();
      expect(await alice.page.evaluate(() => document.documentElement.lang)).toBe(lang);
      const devices = await deviceLabels(alice);
      const names = ["Alice", "Bob", room, chatText, ...devices];
      await alice.page.locator("#name-input").fill("Alice");
      const lobby = await collect(alice);
      expect(lobby.map((s) => s.text)).toContain(translate(lang, "lobby.title"));
      expect(notIn(lang, lobby, names)).toEqual([]);

      await joinCall(alice);
      await joinCall(bob);
      for (const page of [alice, bob]) await page.page.locator("article.tile").nth(1).waitFor({ timeout: 30_000 });

      // The call with the chat open (it opens by itself on a wide screen) and a message in it.
      await alice.page.locator("#chat-input").fill(chatText);
      await alice.page.locator("#chat-input").press("Enter");
      await bob.page.locator("li.chat-message").filter({ hasText: chatText }).waitFor({ timeout: 15_000 });
      for (const page of [alice, bob]) {
        const times = await checkedTimes(page, lang);
        const withChat = await collect(page);
        expect(withChat.map((s) => s.text)).toContain(translate(lang, "call.chat"));
        expect(withChat.map((s) => s.text)).toContain(translate(lang, "call.peopleCount", { count: 2 }));
        expect(notIn(lang, withChat, [...names, ...times]), `${page.name}, chat open`).toEqual([]);
      }

      // The participant list.
      for (const page of [alice, bob]) {
        await page.page.getByRole("button", { name: translate(lang, "call.participants"), exact: true }).click();
        await page.page.locator("section.people").waitFor();
        const withPeople = await collect(page);
        expect(withPeople.map((s) => s.text)).toContain(translate(lang, "people.you"));
        expect(notIn(lang, withPeople, names), `${page.name}, participants open`).toEqual([]);
      }
      mkdirSync(ARTIFACTS, { recursive: true });
      await bob.page.screenshot({ path: join(ARTIFACTS, `call-${lang}.png`) });
    });
  }

  test("the language switch in the lobby changes the page at once, and is remembered", async () => {
    const room = `lang-switch-${Date.now().toString(36)}`;
    const kim = await CallPage.open(englishBrowser, edgeUrl, room, "Kim");
    pages.push(kim);
    const page = kim.page;
    await page.locator("#camera-select:not([disabled])").waitFor({ timeout: 30_000 });
    const names = ["Kim", room, ...(await deviceLabels(kim))];
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
    expect(notIn("en", await collect(kim), names)).toEqual([]);

    // A mark on the window: a reload would lose it.
    await page.evaluate(() => {
      (window as unknown as { unreloaded: boolean }).unreloaded = true;
    });
    await page.getByLabel(translate("en", "language.label")).selectOption("ru");
    await page.locator('html[lang="ru"]').waitFor();
    await page.getByRole("heading", { name: translate("ru", "lobby.title") }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { unreloaded?: boolean }).unreloaded)).toBe(true);
    expect(notIn("ru", await collect(kim), names)).toEqual([]);

    // Remembered in this browser: a reload stays in Russian although the browser speaks English.
    await page.reload();
    await page.locator("#camera-select:not([disabled])").waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("ru");
    expect(await page.getByLabel(translate("ru", "language.label")).inputValue()).toBe("ru");
    expect(notIn("ru", await collect(kim), names)).toEqual([]);

    await page.getByLabel(translate("ru", "language.label")).selectOption("en");
    await page.getByRole("heading", { name: translate("en", "lobby.title") }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
    expect(notIn("en", await collect(kim), names)).toEqual([]);
  });
});
