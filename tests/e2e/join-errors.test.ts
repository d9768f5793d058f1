import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchChromium } from "./support/browser.ts";
import { CallPage, requiredServer } from "./support/call-page.ts";

const edgeUrl = requiredServer("HUDDLE_E2E_MESH_URL");

// The lobby's message for every way joining can fail. Participants here send no media
// (camera and microphone off), so only signaling is involved.
describe("lobby join errors", () => {
  let accepting: Browser;
  let refusing: Browser;
  const opened: CallPage[] = [];
  const open = async (browser: Browser, room: string, name: string, media = false) => {
    const page = await CallPage.open(browser, edgeUrl, room, name, { camera: media, microphone: media });
    opened.push(page);
    return page;
  };

  beforeAll(async () => {
    accepting = await launchChromium("accept");
    refusing = await launchChromium("deny");
  });

  afterAll(async () => {
    for (const page of opened) await page.close();
    await accepting?.close();
    await refusing?.close();
  });

  test("media denied: the lobby says so and the person can still join without media", async () => {
    const page = await open(refusing, `denied-${Date.now()}`, "Dora", true);
    const alert = page.page.locator('[role="alert"][data-problem="denied"]');
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.textContent()).toMatch(/denied/i);
    await page.join();
    expect(await page.tile("Dora").locator(".avatar").count()).toBe(1);
  });

  test("name taken: the second person with the same name is told to pick another", async () => {
    const room = `taken-${Date.now()}`;
    const first = await open(accepting, room, "Sam");
    await first.join();
    const second = await open(accepting, room, "Sam");
    await second.submitJoin();
    await second.joinError().waitFor({ timeout: 15_000 });
    expect(await second.joinError().textContent()).toMatch(/already called “Sam”/);
    // The lobby stays usable: another name works.
    await second.page.getByLabel("Your name").fill("Sam 2");
    await second.page.getByRole("button", { name: "Join call" }).click();
    await second.page.getByRole("status").filter({ hasText: "Connected" }).waitFor({ timeout: 15_000 });
  });

  test("room full: one more than the edge's limit is told the room is full", async () => {
    const health = (await (await fetch(`${edgeUrl}/healthz`)).json()) as { maxParticipants?: number };
    const limit = health.maxParticipants ?? 0;
    expect(limit, "run.ts starts the edge with a small MAX_PARTICIPANTS").toBeGreaterThan(0);
    expect(limit).toBeLessThanOrEqual(8);
    const room = `full-${Date.now()}`;
    for (let i = 1; i <= limit; i++) await (await open(accepting, room, `Guest ${i}`)).join();
    const late = await open(accepting, room, "Late");
    await late.submitJoin();
    await late.joinError().waitFor({ timeout: 15_000 });
    expect(await late.joinError().textContent()).toMatch(/is full/);
  });

  test("a bad room name cannot be submitted and says what is allowed", async () => {
    const page = await open(accepting, `ok-${Date.now()}`, "Ivy");
    await page.page.getByLabel("Room name").fill("no spaces allowed");
    expect(await page.page.getByLabel("Room name").getAttribute("aria-invalid")).toBe("true");
    expect(await page.page.getByRole("button", { name: "Join call" }).isDisabled()).toBe(true);
  });
});
