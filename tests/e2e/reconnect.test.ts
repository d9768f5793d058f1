import type { Browser, WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchChromium } from "./support/browser.ts";
import { CallPage, requiredServer } from "./support/call-page.ts";

const edgeUrl = requiredServer("HUDDLE_E2E_MESH_URL");

// A dropped WebSocket: the page shows that it is reconnecting, reconnects with backoff, joins
// the room again by itself, and the call (mesh) comes back with video both ways.
describe("reconnect", () => {
  let browser: Browser;
  const pages: CallPage[] = [];

  beforeAll(async () => {
    browser = await launchChromium("accept");
  });

  afterAll(async () => {
    for (const page of pages) await page.close();
    await browser?.close();
  });

  test("a dropped socket reconnects, rejoins and the video comes back", async () => {
    const room = `reconnect-${Date.now()}`;
    const alice = await CallPage.open(browser, edgeUrl, room, "Alice");
    const bob = await CallPage.open(browser, edgeUrl, room, "Bob");
    pages.push(alice, bob);
    // Bob's sockets go through a pass-through proxy in the test, so the test can cut one.
    const routes: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
    await bob.page.routeWebSocket(/\/rooms\/.+\/ws$/, (ws) => {
      routes.push({ page: ws, server: ws.connectToServer() });
    });
    await alice.join();
    await bob.join();
    await alice.expectDecoding(["Bob"]);
    await bob.expectDecoding(["Alice"]);

    const first = routes.at(-1);
    if (first === undefined) throw new Error("Bob's socket was not routed");
    // Both ends see the connection go, as when a network drops and the edge notices.
    await first.server.close({ code: 1001, reason: "test: network drop" });
    await first.page.close({ code: 4001, reason: "test: network drop" });
    // The drop is visible, then healed without any click.
    await bob.page.locator('[role="status"][data-state="reconnecting"]').waitFor({ timeout: 10_000 });
    await bob.page.locator('[role="status"][data-state="connected"]').waitFor({ timeout: 30_000 });
    expect(routes.length).toBeGreaterThanOrEqual(2);
    await alice.tile("Bob").waitFor({ timeout: 15_000 });
    await alice.expectDecoding(["Bob"]);
    await bob.expectDecoding(["Alice"]);
  });

  test("a silent drop (the edge still holds the old socket): the rejoin takes the name over with its resume secret", async () => {
    const room = `resume-${Date.now()}`;
    const alice = await CallPage.open(browser, edgeUrl, room, "Alice");
    const bob = await CallPage.open(browser, edgeUrl, room, "Bob");
    pages.push(alice, bob);
    const routes: { page: WebSocketRoute; server: WebSocketRoute; serverClosedWith?: number }[] = [];
    await bob.page.routeWebSocket(/\/rooms\/.+\/ws$/, (ws) => {
      const route: (typeof routes)[number] = { page: ws, server: ws.connectToServer() };
      route.server.onClose((code) => {
        route.serverClosedWith = code;
      });
      // With a handler here, a close of the page's side is not passed on to the edge.
      route.page.onClose(() => {});
      routes.push(route);
    });
    await alice.join();
    await bob.join();
    await alice.expectDecoding(["Bob"]);

    const first = routes.at(-1);
    if (first === undefined) throw new Error("Bob's socket was not routed");
    // Only Bob's side sees the drop; the edge keeps the old socket open and the name "Bob" taken.
    await first.page.close({ code: 4001, reason: "test: silent network drop" });
    await bob.page.locator('[role="status"][data-state="connected"]').waitFor({ timeout: 30_000 });
    // The edge closed the stale socket as replaced (4009), and the call works again.
    await expect.poll(() => first.serverClosedWith, { timeout: 15_000 }).toBe(4009);
    await alice.expectDecoding(["Bob"]);
    await bob.expectDecoding(["Alice"]);
  });
});
