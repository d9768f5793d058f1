import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ARTIFACTS } from "../../support/paths.ts";
import { launchChromium } from "./browser.ts";
import { CallPage, waitFor } from "./call-page.ts";

export interface ThreeWayOptions {
  mode: "mesh" | "sfu";
  /** The edge to use (`requiredServer`: a run without one fails before it gets here). */
  edgeUrl: string;
  /** Where to save the screenshot of the call, if anywhere. */
  screenshot?: string;
}

const NAMES = ["Alice", "Bob", "Carol"] as const;
/** Carol is on a phone-sized screen; the others on a laptop. */
const VIEWPORTS: Record<string, { width: number; height: number }> = {
  Alice: { width: 1280, height: 720 },
  Bob: { width: 1280, height: 720 },
  Carol: { width: 375, height: 740 },
};

/**
 * Three people in one room, real Chromium pages with fake cameras (video only: audio costs
 * CPU here), the whole path: lobby, join, decoding each other's video, chat, mute, screen
 * share, leave. Shared by the mesh and the SFU suites.
 */
export function threeWayCallSuite(options: ThreeWayOptions): void {
  const { mode } = options;
  describe(`three-way call (${mode})`, () => {
    let browser: Browser | undefined;
    const pages = new Map<string, CallPage>();
    const page = (name: string) => {
      const found = pages.get(name);
      if (found === undefined) throw new Error(`no page for ${name}`);
      return found;
    };
    const others = (name: string) => NAMES.filter((n) => n !== name);

    beforeAll(async () => {
      browser = await launchChromium("accept");
    });

    afterAll(async () => {
      for (const p of pages.values()) {
        if (p.consoleErrors.length > 0)
          console.warn(`[e2e] ${p.name}'s console errors:\n  ${p.consoleErrors.join("\n  ")}`);
        await p.close();
      }
      await browser?.close();
    });

    test("two join at once, a third joins the running call, and every page decodes both others' video", async () => {
      if (browser === undefined) throw new Error("no browser");
      const room = `e2e-${mode}-${Date.now().toString(36)}`;
      for (const name of NAMES) {
        pages.set(name, await CallPage.open(browser, options.edgeUrl, room, name, { viewport: VIEWPORTS[name] }));
      }
      // Alice and Bob press "Join call" together (both learn of each other at once); Carol
      // joins once their call runs, so she meets media that already flows (in the SFU:
      // producers listed in her `joined`; in the mesh: offers from both).
      for (const p of pages.values()) await p.page.locator(".preview video:not([hidden])").waitFor();
      await Promise.all([page("Alice").join(), page("Bob").join()]);

      // An edge configured with a media node must put the call on it: a mesh fallback here is a failure.
      expect(await page("Alice").mode()).toBe(mode);
      await page("Alice").expectDecoding(["Bob"]);
      await page("Bob").expectDecoding(["Alice"]);
      await page("Carol").join();
      for (const p of pages.values()) expect(await p.mode()).toBe(mode);

      if (mode === "sfu") {
        // The camera goes to the media node as simulcast: two layers (half and full size), both encoding.
        await expect
          .poll(async () => (await page("Alice").outboundVideo()).find((s) => s.source === "camera")?.layers, {
            timeout: 15_000,
          })
          .toBe(2);
      }
      for (const name of NAMES) {
        const rising = await page(name).expectDecoding(others(name));
        const figures = [...rising].map(([user, [a, b]]) => `${user} ${a}->${b}`).join(", ");
        console.log(`[e2e] ${mode}: ${name} decodes ${figures} frames`);
      }
      for (const name of NAMES) {
        for (const other of NAMES) {
          await expect.poll(() => page(name).tile(other).locator(".tile-name").textContent()).toContain(other);
        }
      }
    });

    test("chat goes round trip with the name the server stamped and a local time", async () => {
      const text = `Hello from Alice ${Date.now()}`;
      await page("Alice").sendChat(text);
      for (const name of NAMES) {
        await page(name).openChat(); // open by default on a laptop, behind a button on a phone
        const message = page(name).chatMessage(text);
        await message.waitFor({ timeout: 10_000 });
        expect(await message.getAttribute("data-from")).toBe("Alice");
        const time = message.locator("time");
        const stamped = await time.getAttribute("datetime");
        expect(stamped !== null && !Number.isNaN(Date.parse(stamped))).toBe(true);
        expect((await time.textContent())?.trim()).toMatch(/\d/);
      }
      await page("Bob").sendChat("Hi Alice!");
      await page("Alice").chatMessage("Hi Alice!").waitFor({ timeout: 10_000 });

      // At phone width the chat is a sheet over the grid; close it to see the call again.
      const phone = page("Carol").page;
      await phone.getByRole("button", { name: "Close panel" }).click();
      await page("Carol").tile("Alice").waitFor();
      // Nothing scrolls sideways and every control stays on screen.
      expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      for (const label of ["Mute microphone", "Turn off camera", "Chat", "Participants", "Leave call"]) {
        expect(await page("Carol").control(label).isVisible()).toBe(true);
      }

      if (options.screenshot !== undefined) {
        mkdirSync(ARTIFACTS, { recursive: true });
        const path = join(ARTIFACTS, options.screenshot);
        await page("Alice").page.screenshot({ path });
        const phonePath = path.replace(/\.png$/, "-phone.png");
        await phone.screenshot({ path: phonePath });
        console.log(`[e2e] screenshots of the three-way call: ${path}, ${phonePath}`);
      }
    });

    test("a microphone that is muted shows as muted to the others, and unmuted when it is on", async () => {
      // Everyone joined with the microphone off: each sees the others' muted badge.
      for (const name of others("Carol")) {
        await expect
          .poll(() => page(name).tile("Carol").getByRole("img", { name: "Microphone muted" }).count())
          .toBe(1);
      }
      await page("Carol").control("Mute microphone").click(); // pressed -> unmute
      // She joined without a microphone: unmuting opens it first (slow on a busy machine).
      await expect
        .poll(() => page("Carol").control("Mute microphone").getAttribute("aria-pressed"), { timeout: 10_000 })
        .toBe("false");
      for (const name of others("Carol")) {
        await expect
          .poll(() => page(name).tile("Carol").getByRole("img", { name: "Microphone muted" }).count())
          .toBe(0);
      }
      await page("Carol").control("Mute microphone").click(); // mute again
      for (const name of others("Carol")) {
        await expect
          .poll(() => page(name).tile("Carol").getByRole("img", { name: "Microphone muted" }).count())
          .toBe(1);
      }
      // A camera turned off: the others see Bob's avatar instead of his video.
      await page("Bob").control("Turn off camera").click();
      for (const name of others("Bob")) {
        await expect.poll(() => page(name).tile("Bob").locator(".avatar").count()).toBe(1);
        expect(await page(name).tile("Bob").locator("video").isHidden()).toBe(true);
      }
      await page("Bob").control("Turn off camera").click();
      for (const name of others("Bob")) {
        await expect.poll(() => page(name).tile("Bob").locator(".avatar").count()).toBe(0);
      }
    });

    test("a screen share reaches the others as an extra video tile that decodes", async () => {
      const before = await page("Bob").page.locator("article.tile").count();
      await page("Alice").control("Share screen").click();
      await expect.poll(() => page("Alice").control("Share screen").getAttribute("aria-pressed")).toBe("true");
      for (const name of others("Alice")) {
        await page(name).tile("Alice", "screen").waitFor({ timeout: 20_000 });
        await page(name).expectDecoding(["Alice"], "screen");
      }
      expect(await page("Bob").page.locator("article.tile").count()).toBe(before + 1);
      await page("Alice").control("Share screen").click(); // stop sharing
      for (const name of others("Alice")) {
        await page(name).tile("Alice", "screen").waitFor({ state: "detached", timeout: 20_000 });
      }
    });

    test("someone who leaves is gone from the others' grid", async () => {
      const leftAt = Date.now();
      await page("Carol").page.getByRole("button", { name: "Leave call" }).click();
      const seen = await Promise.all(
        others("Carol").map(async (name) => {
          await page(name).tile("Carol").waitFor({ state: "detached", timeout: 10_000 });
          return `${name} ${Date.now() - leftAt} ms`;
        }),
      );
      console.log(`[e2e] ${mode}: Carol's tile disappeared for ${seen.join(", ")} after she pressed Leave`);
      // The leave screen, ready to rejoin.
      await page("Carol").page.getByRole("button", { name: "Rejoin" }).waitFor();
      for (const name of others("Carol")) {
        await waitFor(`${name}'s participant count to drop to 2`, async () =>
          (await page(name).page.locator(".call-count").textContent())?.includes("2"),
        );
      }
    });
  });
}
