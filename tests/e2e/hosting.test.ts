import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchChromium } from "./support/browser.ts";
import { CallPage, requiredServer } from "./support/call-page.ts";

const edgeUrl = requiredServer("HUDDLE_E2E_MESH_URL");
const siteUrl = requiredServer("HUDDLE_E2E_SITE_URL");

// The static build hosted on another origin than the edge (as on a CDN): the edge is found
// through `?edge=` or a `config.json` beside index.html, and the edge's Origin allow-list
// (ALLOWED_ORIGINS) decides which hosts of the app may open room sockets.
describe("the app on another origin", () => {
  let browser: Browser;
  const pages: CallPage[] = [];
  const open = async (url: string, name: string) => {
    const page = await CallPage.open(browser, "", "", name, { camera: false, navigate: false });
    pages.push(page);
    await page.page.goto(url);
    return page;
  };
  const edgeSource = (page: CallPage) => page.page.locator("#app").getAttribute("data-edge-source");

  beforeAll(async () => {
    browser = await launchChromium("accept");
  });

  afterAll(async () => {
    for (const page of pages) await page.close();
    await browser?.close();
  });

  test("?edge= points the app at the edge, and the call works", async () => {
    const page = await open(`${siteUrl}/?room=cdn-query&edge=${encodeURIComponent(edgeUrl)}`, "Quinn");
    await page.join();
    expect(await edgeSource(page)).toBe("query");
    expect(await page.page.locator("#app").getAttribute("data-edge")).toBe(edgeUrl);
  });

  test("a config.json beside index.html points the app at the edge", async () => {
    const page = await open(`${siteUrl}/configured/?room=cdn-config`, "Cody");
    await page.join();
    expect(await edgeSource(page)).toBe("config.json");
  });

  test("served by the edge itself, the app talks to its own origin", async () => {
    const page = await open(`${edgeUrl}/?room=cdn-same`, "Sami");
    await page.join();
    expect(await edgeSource(page)).toBe("same-origin");
  });

  test("an origin the edge does not allow cannot join, and the lobby says the server is unreachable", async () => {
    // Same files, same edge, but from http://localhost:PORT: not in ALLOWED_ORIGINS.
    const foreign = siteUrl.replace("127.0.0.1", "localhost");
    const page = await open(`${foreign}/?room=cdn-foreign&edge=${encodeURIComponent(edgeUrl)}`, "Finn");
    await page.submitJoin();
    await page.joinError().waitFor({ timeout: 20_000 });
    expect(await page.joinError().textContent()).toMatch(/Could not reach the server/);
    // The edge itself is up and lets the same files in from 127.0.0.1 (the first test): it is
    // the Origin check that refused this page.
    expect((await fetch(`${edgeUrl}/healthz`)).status).toBe(200);
  });
});
