// Receiver-driven layers and dynacast in real Chromium through a real media node: each remote
// camera is received at the layer its tile's size needs, a tile nobody sees is paused, and a
// publisher stops encoding the layer nobody shows.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchChromium } from "./support/browser.ts";
import { CallPage, requiredServer, waitFor } from "./support/call-page.ts";

const edgeUrl = requiredServer("HUDDLE_E2E_SFU_URL", process.env.HUDDLE_E2E_SFU_UNAVAILABLE);

describe("adaptive layers and dynacast (SFU)", () => {
  let browser: Browser;
  const pages: CallPage[] = [];
  let alice: CallPage;
  let bob: CallPage;
  let carol: CallPage;
  const room = `layers-${Date.now().toString(36)}`;

  const received = async (page: CallPage, from: string) =>
    (await page.inboundVideo()).find((s) => s.user === from && s.source === "camera");
  const aliceCamera = async () => (await alice.outboundVideo()).find((s) => s.source === "camera");
  /** The tile's height in device pixels on its page (what the client picks the layer from). */
  const tileHeight = async (page: CallPage, user: string) => {
    const box = await page.tile(user).boundingBox();
    const ratio = await page.page.evaluate(() => window.devicePixelRatio);
    return Math.round((box?.height ?? 0) * ratio);
  };
  /** Waits until `page`'s framesDecoded from `user` rose, twice in a row. */
  const keepsDecoding = async (page: CallPage, user: string) => {
    const start = (await received(page, user))?.framesDecoded ?? 0;
    await waitFor(`${page.name} to decode more of ${user} than ${start}`, async () => {
      const now = (await received(page, user))?.framesDecoded ?? 0;
      return now > start + 5 ? now : undefined;
    });
  };
  /** Makes the page hidden (another tab) or visible again, as `visibilitychange` tells it. */
  const setHidden = (page: CallPage, hidden: boolean) =>
    page.page.evaluate((h) => {
      Object.defineProperty(document, "visibilityState", { value: h ? "hidden" : "visible", configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    }, hidden);
  /** Asserts that `page`'s framesDecoded from `user` stands still (paused), over a couple of seconds. */
  const standsStill = async (page: CallPage, user: string) => {
    // Paused consumers stop within a round trip plus the debounce; wait for two equal readings.
    let last = -1;
    await waitFor(
      `${page.name}'s framesDecoded of ${user} to stop rising`,
      async () => {
        const now = (await received(page, user))?.framesDecoded ?? 0;
        const still = now === last;
        last = now;
        return still ? now : undefined;
      },
      20_000,
      1_500,
    );
    const held = last;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await received(page, user))?.framesDecoded ?? 0).toBe(held);
  };

  beforeAll(async () => {
    browser = await launchChromium("accept");
    // Alice sends a 720p camera (three layers); Bob watches on a small screen, Carol on a large one.
    alice = await CallPage.open(browser, edgeUrl, room, "Alice", {
      resolution: "720p",
      viewport: { width: 640, height: 400 },
    });
    bob = await CallPage.open(browser, edgeUrl, room, "Bob", { camera: false, viewport: { width: 640, height: 400 } });
    carol = await CallPage.open(browser, edgeUrl, room, "Carol", {
      camera: false,
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 2,
    });
    pages.push(alice, bob, carol);
    await alice.page.locator(".preview video:not([hidden])").waitFor();
    for (const page of pages) await page.join();
    for (const page of pages) expect(await page.mode()).toBe("sfu");
    await bob.expectDecoding(["Alice"]);
    await carol.expectDecoding(["Alice"]);
  });

  afterAll(async () => {
    for (const page of pages) {
      if (page.consoleErrors.length > 0)
        console.warn(`[e2e] ${page.name}'s console errors:\n  ${page.consoleErrors.join("\n  ")}`);
      await page.close();
    }
    await browser?.close();
  });

  test("the camera goes out as three layers, and a small tile gets a lower one than a pinned large one", async () => {
    await expect.poll(async () => (await aliceCamera())?.sourceHeight, { timeout: 15_000 }).toBe(720);
    await expect.poll(async () => (await aliceCamera())?.active?.length, { timeout: 15_000 }).toBe(3);

    await carol.page.getByRole("button", { name: "Pin Alice's video" }).click();
    const small = await tileHeight(bob, "Alice");
    const large = await tileHeight(carol, "Alice");
    console.log(`[e2e] layers: Alice's tile is ${small} device px tall for Bob, ${large} for Carol (pinned)`);
    expect(small).toBeLessThanOrEqual(240);
    expect(large).toBeGreaterThan(480);

    // The media node forwards Bob the 180p layer and Carol the 720p one (once her link's estimate allows it).
    const heights = await waitFor(
      "Bob to receive a lower layer of Alice than Carol",
      async () => {
        const [b, c] = [
          (await received(bob, "Alice"))?.frameHeight ?? 0,
          (await received(carol, "Alice"))?.frameHeight ?? 0,
        ];
        return b > 0 && b <= 180 && c >= 360 && c > b ? { bob: b, carol: c } : undefined;
      },
      45_000,
      500,
    );
    console.log(`[e2e] layers: Bob receives ${heights.bob}p of Alice, Carol ${heights.carol}p`);
    await keepsDecoding(bob, "Alice");
    await keepsDecoding(carol, "Alice");
  });

  test("a hidden tab pauses what it receives; with nobody showing Alice large her top layer stops, then starts again", async () => {
    // Carol pinned Alice (the test before): every layer runs.
    await expect.poll(async () => (await aliceCamera())?.active, { timeout: 15_000 }).toEqual([true, true, true]);

    // Carol switches to another tab: she receives nothing, so only Bob's small tile is left.
    await setHidden(carol, true);
    await standsStill(carol, "Alice");
    await expect.poll(async () => (await aliceCamera())?.active?.[2], { timeout: 15_000 }).toBe(false);
    expect((await aliceCamera())?.active?.[0]).toBe(true);
    await keepsDecoding(bob, "Alice"); // what is still sent still arrives

    // Carol comes back to her pinned Alice: she decodes again, and the top layer is back.
    await setHidden(carol, false);
    await keepsDecoding(carol, "Alice");
    await expect.poll(async () => (await aliceCamera())?.active, { timeout: 15_000 }).toEqual([true, true, true]);
    await waitFor(
      "Carol to receive more than Alice's lowest layer again",
      async () => (((await received(carol, "Alice"))?.frameHeight ?? 0) >= 360 ? true : undefined),
      45_000,
      500,
    );
  });

  test("a tile on another page of the grid is paused, and resumes when its page is shown", async () => {
    // Bob sees one tile a page: his own first, so Alice's camera is on the next page.
    await bob.page.goto(`${edgeUrl}/?room=${encodeURIComponent(room)}&pageSize=1`);
    await bob.join();
    const visible = () => bob.page.evaluate(() => window.__huddle?.visibleTiles?.() ?? null);
    await expect.poll(visible, { timeout: 15_000 }).not.toContain("Alice:camera");
    await standsStill(bob, "Alice");

    await bob.page.getByRole("button", { name: "Next page" }).click();
    await expect.poll(visible, { timeout: 15_000 }).toContain("Alice:camera");
    await keepsDecoding(bob, "Alice");
  });
});
