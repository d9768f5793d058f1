// Receiver-driven layers and dynacast in real Chromium through a real media node: each remote
// camera is received at the layer its tile's size needs, a tile nobody sees is paused, and a
// publisher stops encoding the layer nobody shows.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchChromium } from "./support/browser.ts";
import { CallPage, requiredServer, waitFor } from "./support/call-page.ts";
import { keepVideoSenders, setTopLayer } from "./support/video-senders.ts";

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
  /** Waits until `page` receives `user`'s camera at `height` or taller. */
  const receivesAtLeast = (page: CallPage, user: string, height: number, timeoutMs: number) =>
    waitFor(
      `${page.name} to receive ${user}'s camera at ${height}p or more`,
      async () => (((await received(page, user))?.frameHeight ?? 0) >= height ? true : undefined),
      timeoutMs,
      500,
    );
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

  /** Starts timing the frames `page` shows of `user`'s camera (requestVideoFrameCallback on its tile). */
  const watchFrames = (page: CallPage, user: string) =>
    page.page.evaluate((user) => {
      const video = document.querySelector<HTMLVideoElement>(
        `article.tile[data-user="${user}"][data-source="camera"] video`,
      );
      if (video === null) throw new Error(`no video of ${user}`);
      const watch = { longestMs: 0, last: performance.now(), frames: 0, stopped: false };
      (window as unknown as { __frames: typeof watch }).__frames = watch;
      const onFrame = (now: number) => {
        if (watch.stopped) return;
        watch.longestMs = Math.max(watch.longestMs, now - watch.last);
        watch.last = now;
        watch.frames++;
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    }, user);
  /** Stops the watch of watchFrames: the longest time between two frames shown, and how many were. */
  const framesWatched = (page: CallPage) =>
    page.page.evaluate(() => {
      const watch = (window as unknown as { __frames: { longestMs: number; frames: number; stopped: boolean } })
        .__frames;
      watch.stopped = true;
      return { longestMs: Math.round(watch.longestMs), frames: watch.frames };
    });

  beforeAll(async () => {
    browser = await launchChromium("accept");
    // Alice sends a 720p camera (three layers); Bob watches on a small screen, Carol on a large one.
    alice = await CallPage.open(browser, edgeUrl, room, "Alice", {
      resolution: "720p",
      viewport: { width: 640, height: 400 },
      navigate: false,
    });
    await alice.context.addInitScript(keepVideoSenders);
    await alice.page.goto(`${edgeUrl}/?room=${encodeURIComponent(room)}`);
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

  test("when Alice's browser stops her top layer itself, Carol, who shows her large, moves down at once", async () => {
    // Carol pinned Alice (the test before) and gets her top layer once her link's estimate allows it.
    await receivesAtLeast(carol, "Alice", 720, 45_000);
    await watchFrames(carol, "Alice");
    // What a publisher's bandwidth or CPU adaptation does: the 720p encoding stops for 3 s.
    expect(await setTopLayer(alice, false)).toBe(1);
    const heights = new Set<number>();
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      heights.add((await received(carol, "Alice"))?.frameHeight ?? 0);
    }
    expect(await setTopLayer(alice, true)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const watched = await framesWatched(carol);
    console.log(
      `[e2e] layers: top layer stopped for 3 s: Carol got ${[...heights].join("/")}p, ${watched.frames} frames, longest gap ${watched.longestMs} ms`,
    );
    // The media node saw the layer quiet and moved her consumer to 360p within a fraction of a
    // second; waiting for mediasoup to notice the stream gone left her frozen for 1.5 s or more.
    expect([...heights].some((h) => h > 0 && h < 720)).toBe(true);
    expect(watched.longestMs).toBeLessThan(1_000);
    // And back to the top layer once it flows again.
    await receivesAtLeast(carol, "Alice", 720, 30_000);
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
    await receivesAtLeast(carol, "Alice", 360, 45_000);
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
