import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Blackout, mediaPorts, SignalingRelay, signals, watchPage } from "./support/blackout.ts";
import { launchChromium } from "./support/browser.ts";
import { CallPage, requiredServer, waitFor } from "./support/call-page.ts";

const edgeUrl = requiredServer("HUDDLE_E2E_SFU_URL", process.env.HUDDLE_E2E_SFU_UNAVAILABLE);

// One page's network goes dark (its media and its signaling, with iptables DROP rules inside the
// runner's loopback-only namespace), then comes back: its video decodes again on the other page,
// nobody ever sees anyone leave, and it never gives up. A blackout longer than ICE consent
// (30 s) needs an ICE restart (restart-ice), or a new transport when the node closed the old one.
describe("blackout", () => {
  let browser: Browser;
  const pages: CallPage[] = [];
  const relays: SignalingRelay[] = [];

  beforeAll(async () => {
    browser = await launchChromium("accept");
  });

  afterAll(async () => {
    for (const page of pages) await page.close();
    for (const relay of relays) await relay.close();
    await browser?.close();
  });

  /** The call: Alice (whose network goes dark) talks to the edge through a relay of her own. */
  async function call(room: string) {
    const relay = await SignalingRelay.start(edgeUrl);
    relays.push(relay);
    const alice = await CallPage.open(browser, edgeUrl, room, "Alice", { navigate: false });
    const bob = await CallPage.open(browser, edgeUrl, room, "Bob", { navigate: false });
    pages.push(alice, bob);
    for (const page of [alice, bob]) await watchPage(page.page);
    await alice.page.goto(`${edgeUrl}/?room=${room}&edge=${encodeURIComponent(relay.url)}`);
    await bob.page.goto(`${edgeUrl}/?room=${room}`);
    await alice.join();
    await bob.join();
    await bob.expectDecoding(["Alice"]);
    await alice.expectDecoding(["Bob"]);
    expect(await alice.mode()).toBe("sfu");
    return { alice, bob, relay };
  }

  /** Cuts Alice off for `ms`; the rules are removed whatever happens. */
  async function darken(alice: CallPage, relay: SignalingRelay, ms: number): Promise<void> {
    const ports = await mediaPorts(alice.page);
    expect(ports.local.length).toBeGreaterThan(0);
    const blackout = Blackout.impose({ udp: ports.local, tcp: [relay.port], mediaTcpPort: ports.remoteTcp[0] });
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      blackout.lift();
    }
  }

  /** Video from `user` is decoding on `page` again: its frame count rises between two looks. */
  async function decodingAgain(page: CallPage, user: string, timeoutMs: number): Promise<void> {
    await waitFor(
      `${page.name} to decode ${user}'s video again`,
      async () => {
        const before = await page.framesFrom(user, "camera");
        await new Promise((resolve) => setTimeout(resolve, 500));
        return (await page.framesFrom(user, "camera")) > before ? true : undefined;
      },
      timeoutMs,
    );
  }

  /** What each page's signaling received so far (the baseline the blackout is judged against). */
  async function marks(all: CallPage[]): Promise<Map<CallPage, number>> {
    return new Map(await Promise.all(all.map(async (page) => [page, (await signals(page.page)).length] as const)));
  }

  /** Since `since`: no user-left or user-joined on any page, and no give-up screen. */
  async function expectNobodyLeft(since: Map<CallPage, number>): Promise<void> {
    for (const [page, from] of since) {
      const seen = (await signals(page.page)).slice(from);
      expect(
        seen.filter((s) => s.startsWith("in:user-left") || s.startsWith("in:user-joined")),
        page.name,
      ).toEqual([]);
      expect(await page.page.getByTestId("gave-up").count(), page.name).toBe(0);
    }
  }

  test("10 s without any network: video comes back, nobody sees anyone leave", async () => {
    const { alice, bob: other, relay } = await call(`blackout-${Date.now()}`);
    const before = await marks([alice, other]);
    await darken(alice, relay, 10_000);
    await decodingAgain(other, "Alice", 30_000);
    await decodingAgain(alice, "Bob", 30_000);
    await alice.page.locator('[role="status"][data-state="connected"]').waitFor({ timeout: 60_000 });
    await expectNobodyLeft(before);
  });

  test("longer than ICE consent: the transports recover through restart-ice", async () => {
    const { alice, bob: other, relay } = await call(`blackout-long-${Date.now()}`);
    const before = await marks([alice, other]);
    await darken(alice, relay, 40_000);
    await decodingAgain(other, "Alice", 60_000);
    await decodingAgain(alice, "Bob", 60_000);
    await alice.page.locator('[role="status"][data-state="connected"]').waitFor({ timeout: 60_000 });
    const seen = (await signals(alice.page)).slice(before.get(alice));
    expect(seen).toContain("out:restart-ice");
    // Either the node restarted ICE, or it had already closed the transport and a new one was made.
    expect(seen.some((s) => s === "in:ice-restarted" || s === "in:error")).toBe(true);
    await expectNobodyLeft(before);
  }, 240_000);
});
