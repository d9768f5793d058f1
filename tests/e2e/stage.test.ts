import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Locator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ARTIFACTS } from "../support/paths.ts";
import { launchChromium } from "./support/browser.ts";
import { CallPage, requiredServer, waitFor } from "./support/call-page.ts";

const edgeUrl = requiredServer("HUDDLE_E2E_MESH_URL");

/** A tile's area on screen in CSS pixels (0 when it is not laid out). */
async function area(tile: Locator): Promise<number> {
  const box = await tile.boundingBox();
  return box === null ? 0 : box.width * box.height;
}

/** The largest camera tile on this page. */
async function largestCamera(page: CallPage): Promise<number> {
  const cameras = await page.page.locator('article.tile[data-source="camera"]').all();
  const areas = await Promise.all(cameras.map(area));
  return Math.max(0, ...areas);
}

function layout(page: CallPage): Promise<string | null> {
  return page.page.locator("[data-layout]").getAttribute("data-layout");
}

async function screenshot(page: CallPage, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.page.screenshot({ path: join(ARTIFACTS, name) });
}

describe("the call screen: stage, pin, presenting, alone, leave and rejoin, lobby checks", () => {
  let browser: Browser;
  const pages: CallPage[] = [];
  let alice: CallPage;
  let bob: CallPage;
  const room = `stage-${Date.now().toString(36)}`;

  beforeAll(async () => {
    browser = await launchChromium("accept");
  });

  afterAll(async () => {
    for (const page of pages) {
      if (page.consoleErrors.length > 0)
        console.warn(`[e2e] ${page.name}'s console errors:\n  ${page.consoleErrors.join("\n  ")}`);
      await page.close();
    }
    await browser?.close();
  });

  test("alone in the room, the invite link is offered; it goes once someone joins", async () => {
    alice = await CallPage.open(browser, edgeUrl, room, "Alice");
    pages.push(alice);
    await alice.join();
    const prompt = alice.page.getByTestId("alone-prompt");
    await prompt.waitFor();
    expect(await prompt.textContent()).toContain("You're the only one here");
    expect(await alice.page.getByRole("textbox", { name: "Invite link" }).inputValue()).toContain(`room=${room}`);
    expect(await prompt.getByRole("button", { name: "Copy link" }).isVisible()).toBe(true);
    await screenshot(alice, "stage-alone.png");

    bob = await CallPage.open(browser, edgeUrl, room, "Bob");
    pages.push(bob);
    await bob.join();
    await prompt.waitFor({ state: "detached", timeout: 15_000 });
    expect(await bob.page.getByTestId("alone-prompt").count()).toBe(0);
    for (const page of [alice, bob]) {
      await page.tile("Alice").waitFor();
      await page.tile("Bob").waitFor();
      expect(await layout(page)).toBe("grid");
    }
  });

  test("a screen share becomes the stage for everyone, the sharer is told, and it returns to the grid", async () => {
    await alice.control("Share screen").click();
    await alice.page.getByTestId("presenting").waitFor({ timeout: 15_000 });
    expect(await alice.page.getByTestId("presenting").textContent()).toContain("You are presenting");
    await bob.expectDecoding(["Alice"], "screen");
    for (const page of [alice, bob]) {
      const screen = page.tile("Alice", "screen");
      await screen.waitFor({ timeout: 20_000 });
      await expect.poll(() => layout(page)).toBe("stage");
      // The share has most of the room: more than twice the size of any camera tile.
      await expect
        .poll(async () => (await area(screen)) / (await largestCamera(page)), { timeout: 10_000 })
        .toBeGreaterThan(2);
      const sizes = `${await area(screen)} vs ${await largestCamera(page)}`;
      console.log(`[e2e] stage: ${page.name} sees the screen at ${sizes} px² (the largest camera)`);
    }
    expect(await bob.page.getByTestId("presenting").count()).toBe(0);
    await screenshot(bob, "stage-screen-share.png");

    await alice.page.getByRole("button", { name: "Stop presenting" }).click();
    for (const page of [alice, bob]) {
      await page.tile("Alice", "screen").waitFor({ state: "detached", timeout: 20_000 });
      await expect.poll(() => layout(page)).toBe("grid");
    }
    expect(await alice.page.getByTestId("presenting").count()).toBe(0);
    expect(await alice.control("Share screen").getAttribute("aria-pressed")).toBe("false");
  });

  test("any tile can be pinned to the stage, from the keyboard too, and unpinned", async () => {
    const pin = bob.page.getByRole("button", { name: "Pin Alice's video" });
    await pin.focus();
    await bob.page.keyboard.press("Enter");
    await expect.poll(() => layout(bob)).toBe("stage");
    expect(await pin.getAttribute("aria-pressed")).toBe("true");
    const pinned = bob.tile("Alice");
    expect(await pinned.getAttribute("data-pinned")).toBe("true");
    await expect
      .poll(async () => (await area(pinned)) / (await area(bob.tile("Bob"))), { timeout: 10_000 })
      .toBeGreaterThan(2);
    expect(await layout(alice)).toBe("grid"); // a pin is the pinner's own view

    await pin.click(); // unpin
    await expect.poll(() => layout(bob)).toBe("grid");
    expect(await pin.getAttribute("aria-pressed")).toBe("false");

    // Speaker view puts the other person on stage; the switch goes back to the grid.
    const view = bob.page.getByRole("button", { name: "Speaker view" });
    await view.click();
    await expect.poll(() => layout(bob)).toBe("stage");
    expect(await bob.page.locator(".spotlight-main article.tile").getAttribute("data-user")).toBe("Alice");
    await view.click();
    await expect.poll(() => layout(bob)).toBe("grid");
  });

  test("after Leave a leave screen offers Rejoin, and Rejoin puts them back in the call", async () => {
    await bob.page.getByRole("button", { name: "Leave call" }).click();
    const left = bob.page.getByTestId("left-screen");
    await left.waitFor();
    expect(await left.textContent()).toContain("You left the call");
    expect(await bob.page.getByRole("button", { name: "Join call" }).count()).toBe(0);
    await alice.tile("Bob").waitFor({ state: "detached", timeout: 10_000 });
    await screenshot(bob, "stage-left.png");

    await bob.page.getByRole("button", { name: "Rejoin" }).click();
    await bob.page.getByRole("status").filter({ hasText: "Connected" }).waitFor({ timeout: 30_000 });
    await alice.tile("Bob").waitFor({ timeout: 15_000 });
    await bob.tile("Alice").waitFor();
    await alice.expectDecoding(["Bob"]);
    await waitFor("Alice's count to read 2 again", async () =>
      (await alice.page.locator(".call-count").textContent())?.includes("2"),
    );
  });

  test("the lobby says what is wrong with a name or room as it is typed, and cuts nothing", async () => {
    const carol = await CallPage.open(browser, edgeUrl, room, "Carol");
    pages.push(carol);
    const name = carol.page.getByLabel("Your name");
    const nameHint = carol.page.getByTestId("name-hint");
    const join = carol.page.getByRole("button", { name: "Join call" });

    const long = "a".repeat(40);
    await name.fill(long);
    expect(await name.inputValue()).toBe(long); // not cut to 32
    await expect.poll(() => nameHint.textContent()).toContain("Too long: 40 characters, at most 32.");
    expect(await name.getAttribute("aria-invalid")).toBe("true");
    expect(await join.isDisabled()).toBe(true);

    await name.fill(" alice ");
    expect(await name.inputValue()).toBe(" alice ");
    await expect.poll(() => nameHint.textContent()).toContain("Remove the spaces at the start and end.");
    expect(await join.isDisabled()).toBe(true);

    await name.fill("alice!");
    await expect.poll(() => nameHint.textContent()).toContain("“!” cannot be used");

    await name.fill("alice");
    await expect.poll(() => nameHint.textContent()).toContain("up to 32 characters");
    expect(await name.getAttribute("aria-invalid")).toBe("false");
    expect(await join.isDisabled()).toBe(false);

    const roomInput = carol.page.getByLabel("Room name");
    const roomHint = carol.page.getByTestId("room-hint");
    const longRoom = "r".repeat(300);
    await roomInput.fill(longRoom);
    expect(await roomInput.inputValue()).toBe(longRoom); // not cut to 64
    await expect.poll(() => roomHint.textContent()).toContain("Too long: 300 characters, at most 64.");
    await roomInput.fill("team sync");
    await expect.poll(() => roomHint.textContent()).toContain("Spaces cannot be used");
    await roomInput.fill("café");
    await expect.poll(() => roomHint.textContent()).toContain("“é” cannot be used");
    expect(await join.isDisabled()).toBe(true);
    await roomInput.fill(room);
    expect(await join.isDisabled()).toBe(false);
    await screenshot(carol, "stage-lobby-ok.png");
  });
});
