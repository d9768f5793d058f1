import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchChromium } from "./support/browser.ts";
import { CallPage, requiredServer, waitFor } from "./support/call-page.ts";

// Hands, reactions, level bars and shortcuts in a peer-to-peer room (the edge relays presence
// like any signaling; the edge suites cover the same messages in SFU rooms' code path).
const edgeUrl = requiredServer("HUDDLE_E2E_MESH_URL");

const NAMES = ["Alice", "Bob", "Carol"] as const;
type Name = (typeof NAMES)[number];

describe("presence: hands, reactions, level bars, shortcuts", () => {
  let browser: Browser | undefined;
  const pages = new Map<Name, CallPage>();
  const page = (name: Name) => {
    const found = pages.get(name);
    if (found === undefined) throw new Error(`no page for ${name}`);
    return found;
  };
  /** The hand badge on `user`'s camera tile as `viewer` sees it. */
  const handOnTile = (viewer: Name, user: Name) => page(viewer).tile(user).locator(".badge-hand");
  const announcer = (name: Name) => page(name).page.getByTestId("shortcut-announcer");

  beforeAll(async () => {
    browser = await launchChromium("accept");
    const room = `e2e-presence-${Date.now().toString(36)}`;
    for (const name of NAMES) {
      // Alice talks (the fake microphone's tone drives the level bars); cameras stay off to spare the CPU.
      const options = { camera: false, microphone: name === "Alice" };
      pages.set(name, await CallPage.open(browser, edgeUrl, room, name, options));
    }
    for (const name of NAMES) await page(name).join();
    for (const name of NAMES) {
      for (const other of NAMES) await page(name).tile(other).waitFor({ timeout: 30_000 });
    }
  });

  afterAll(async () => {
    for (const p of pages.values()) {
      if (p.consoleErrors.length > 0)
        console.warn(`[e2e] ${p.name}'s console errors:\n  ${p.consoleErrors.join("\n  ")}`);
      await p.close();
    }
    await browser?.close();
  });

  test("raised hands reach everyone, in the order raised, on the tiles and in the list; lowering clears one", async () => {
    // Bob by the button, Carol by the H shortcut, Alice by the button: each seen by all before the next.
    await page("Bob").control("Raise hand").click();
    for (const viewer of NAMES) await handOnTile(viewer, "Bob").waitFor({ timeout: 10_000 });
    await page("Carol").page.locator("body").press("h");
    for (const viewer of NAMES) await handOnTile(viewer, "Carol").waitFor({ timeout: 10_000 });
    await expect.poll(() => announcer("Carol").textContent()).toBe("Hand raised");
    await page("Alice").control("Raise hand").click();
    for (const viewer of NAMES) await handOnTile(viewer, "Alice").waitFor({ timeout: 10_000 });

    for (const viewer of NAMES) {
      expect(await handOnTile(viewer, "Bob").getAttribute("data-hand")).toBe("1");
      expect(await handOnTile(viewer, "Carol").getAttribute("data-hand")).toBe("2");
      expect(await handOnTile(viewer, "Alice").getAttribute("data-hand")).toBe("3");
    }
    expect(await page("Bob").control("Raise hand").getAttribute("aria-pressed")).toBe("true");

    // The participant list puts the hands first, in the order raised.
    const carol = page("Carol").page;
    await page("Carol").control("Participants").click();
    const listed = () =>
      carol.locator(".people li.person-entry").evaluateAll((items) => items.map((li) => li.getAttribute("data-user")));
    await expect.poll(listed).toEqual(["Bob", "Carol", "Alice"]);

    // Bob lowers his hand: gone everywhere, and everyone behind him moves up.
    await page("Bob").control("Raise hand").click();
    for (const viewer of NAMES) {
      await handOnTile(viewer, "Bob").waitFor({ state: "detached", timeout: 10_000 });
      await expect.poll(() => handOnTile(viewer, "Carol").getAttribute("data-hand")).toBe("1");
      expect(await handOnTile(viewer, "Alice").getAttribute("data-hand")).toBe("2");
    }
    await expect.poll(listed).toEqual(["Carol", "Alice", "Bob"]);
    expect(await page("Bob").control("Raise hand").getAttribute("aria-pressed")).toBe("false");
  });

  test("a reaction floats over the sender's tile for everyone", async () => {
    const alice = page("Alice").page;
    await alice.getByRole("button", { name: "Send a reaction" }).click();
    await alice.getByRole("button", { name: "Applause", exact: true }).click();
    for (const viewer of NAMES) {
      const reaction = page(viewer).tile("Alice").locator('.reaction-float[data-reaction="clap"]');
      await reaction.waitFor({ timeout: 10_000 });
      expect(await reaction.getAttribute("aria-label")).toBe("Alice: Applause");
      // Over Alice's tile only.
      expect(await page(viewer).tile("Bob").locator(".reaction-float").count()).toBe(0);
    }
    // It goes again after a few seconds.
    await page("Bob").tile("Alice").locator(".reaction-float").waitFor({ state: "detached", timeout: 15_000 });
  });

  test("level bars follow the fake microphone: Alice's bars move on every page, a muted tile stays dark", async () => {
    for (const viewer of NAMES) {
      const bars = page(viewer).tile("Alice").locator(".level-bars");
      const seen = new Set<string>();
      await waitFor(
        `${viewer} to see Alice's level bars move (values seen so far)`,
        async () => {
          seen.add((await bars.getAttribute("data-level")) ?? "none");
          // Lit at least once, and more than one value: the bars move with the sound.
          return [...seen].some((v) => Number(v) > 0) && seen.size >= 2;
        },
        30_000,
        100,
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}: ${[...seen].join(", ")}`);
      });
    }
    // Bob's microphone is off: his bars stay at zero everywhere.
    for (const viewer of NAMES) {
      expect(await page(viewer).tile("Bob").locator(".level-bars").getAttribute("data-level")).toBe("0");
    }
  });

  test("shortcuts toggle microphone, camera, chat and help, are announced, and never fire while typing", async () => {
    const bob = page("Bob");
    const keys = bob.page.keyboard;
    await bob.page.locator("body").click({ position: { x: 5, y: 5 } });
    const mic = bob.control("Mute microphone");
    const camera = bob.control("Turn off camera");
    const hand = bob.control("Raise hand");

    // M turns the (off) microphone on, Ctrl+D off again.
    expect(await mic.getAttribute("aria-pressed")).toBe("true");
    await keys.press("m");
    await expect.poll(() => mic.getAttribute("aria-pressed")).toBe("false");
    await expect.poll(() => announcer("Bob").textContent()).toBe("Microphone on");
    await keys.press("Control+d");
    await expect.poll(() => mic.getAttribute("aria-pressed")).toBe("true");
    await expect.poll(() => announcer("Bob").textContent()).toBe("Microphone muted");

    // V and Ctrl+E the camera.
    expect(await camera.getAttribute("aria-pressed")).toBe("true");
    await keys.press("v");
    await expect.poll(() => camera.getAttribute("aria-pressed")).toBe("false");
    await expect.poll(() => announcer("Bob").textContent()).toBe("Camera on");
    await keys.press("Control+e");
    await expect.poll(() => camera.getAttribute("aria-pressed")).toBe("true");

    // ? opens the list of shortcuts; Escape closes it.
    await keys.press("?");
    const help = bob.page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await help.waitFor({ timeout: 5000 });
    for (const line of ["Mute or unmute the microphone", "Raise or lower your hand", "Open or close the chat"]) {
      expect(await help.getByText(line).isVisible()).toBe(true);
    }
    await keys.press("Escape");
    await help.waitFor({ state: "detached", timeout: 5000 });

    // C toggles the chat (open by default on a laptop): closed, then open with the focus in the box.
    const chatInput = bob.chatInput();
    expect(await chatInput.isVisible()).toBe(true);
    await bob.page.locator("body").click({ position: { x: 5, y: 5 } });
    await keys.press("c");
    await chatInput.waitFor({ state: "hidden", timeout: 5000 });
    await expect.poll(() => announcer("Bob").textContent()).toBe("Chat closed");
    await keys.press("c");
    await chatInput.waitFor({ timeout: 5000 });
    await expect.poll(() => chatInput.evaluate((el) => el === document.activeElement)).toBe(true);

    // Typing letters that are shortcuts changes nothing but the text.
    await keys.type("hmmm, vc?");
    expect(await chatInput.inputValue()).toBe("hmmm, vc?");
    expect(await hand.getAttribute("aria-pressed")).toBe("false");
    expect(await mic.getAttribute("aria-pressed")).toBe("true");
    expect(await camera.getAttribute("aria-pressed")).toBe("true");
    expect(await chatInput.isVisible()).toBe(true);
    expect(await bob.page.getByRole("dialog", { name: "Keyboard shortcuts" }).count()).toBe(0);
    expect(await handOnTile("Alice", "Bob").count()).toBe(0);
  });
});
