import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchChromium } from "./support/browser.ts";
import { CallPage, requiredServer } from "./support/call-page.ts";

const edgeUrl = requiredServer("HUDDLE_E2E_MESH_URL");

/** Every button has a name; every input and select has a label. */
async function unlabelled(page: CallPage): Promise<string[]> {
  return page.page.evaluate(() => {
    const missing: string[] = [];
    for (const button of document.querySelectorAll("button")) {
      const name = button.getAttribute("aria-label") ?? button.textContent ?? "";
      if (name.trim() === "") missing.push(button.outerHTML.slice(0, 80));
    }
    for (const field of document.querySelectorAll<HTMLInputElement | HTMLSelectElement>("input, select")) {
      if ((field.labels?.length ?? 0) === 0 && !field.getAttribute("aria-label"))
        missing.push(field.outerHTML.slice(0, 80));
    }
    return missing;
  });
}

describe("keyboard and labels", () => {
  let browser: Browser;
  let page: CallPage;

  beforeAll(async () => {
    browser = await launchChromium("accept");
  });

  afterAll(async () => {
    await page?.close();
    await browser?.close();
  });

  test("the lobby and the call work from the keyboard alone, and every control is labelled", async () => {
    page = await CallPage.open(browser, edgeUrl, `keys-${Date.now()}`, "Kim");
    const keyboard = page.page.keyboard;
    expect(await unlabelled(page)).toEqual([]);

    await page.page.getByLabel("Your name").focus();
    await keyboard.type("Kim");
    await keyboard.press("Enter"); // submits the form
    await page.page.locator('[role="status"][data-state="connected"]').waitFor({ timeout: 30_000 });
    expect(await unlabelled(page)).toEqual([]);

    // Tab reaches the microphone toggle; Space presses it.
    const mic = page.control("Mute microphone");
    for (let i = 0; i < 20 && !(await mic.evaluate((el) => el === document.activeElement)); i++) {
      await keyboard.press("Tab");
    }
    expect(await mic.evaluate((el) => el === document.activeElement)).toBe(true);
    const before = await mic.getAttribute("aria-pressed");
    await keyboard.press("Space");
    await expect.poll(() => mic.getAttribute("aria-pressed")).not.toBe(before);

    // The participants panel opens from the keyboard, takes the focus, and Escape closes it.
    await page.control("Participants").focus();
    await keyboard.press("Enter");
    const panel = page.page.getByRole("complementary", { name: "Participants" });
    await panel.waitFor();
    expect(await panel.evaluate((el) => el.contains(document.activeElement))).toBe(true);
    await keyboard.press("Escape");
    await panel.waitFor({ state: "detached" });
    expect(await page.control("Participants").evaluate((el) => el === document.activeElement)).toBe(true);
  });
});
