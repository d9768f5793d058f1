import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ENGLISH, launchChromium } from "./support/browser.ts";
import { CallPage, requiredServer, waitFor } from "./support/call-page.ts";
import { writeSpeechWav } from "./support/fake-audio.ts";

// The media node's active speaker, end to end: two Chromium processes whose fake microphones play
// WAV files made here (speech from espeak-ng, silence from sox). In an SFU call the client shows
// the speaker the server names (`active-speaker`), so the speaking one must be outlined on both
// pages and the silent one on neither; each tile also shows the connection quality the node grades.

const edgeUrl = () => requiredServer("HUDDLE_E2E_SFU_URL", process.env.HUDDLE_E2E_SFU_UNAVAILABLE);

describe("active speaker from the media node (sfu)", () => {
  let dir: string;
  const browsers: Browser[] = [];
  let talker: CallPage;
  let quiet: CallPage;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "huddle-speaker-"));
    const speech = join(dir, "speech.wav");
    const silence = join(dir, "silence.wav");
    writeSpeechWav(speech);
    execFileSync("sox", ["-n", "-r", "48000", "-c", "1", "-b", "16", silence, "trim", "0", "10"]);
    const launch = async (wav: string) => {
      const browser = await launchChromium("accept", ENGLISH, {
        extraArgs: [`--use-file-for-fake-audio-capture=${wav}`],
      });
      browsers.push(browser);
      return browser;
    };
    const url = edgeUrl();
    const room = `speaker-${Date.now()}`;
    talker = await CallPage.open(await launch(speech), url, room, "talker", { microphone: true, camera: false });
    quiet = await CallPage.open(await launch(silence), url, room, "quiet", { microphone: true, camera: false });
    await talker.join();
    await quiet.join();
  });

  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test("the call runs through the media node", async () => {
    expect(await talker.mode()).toBe("sfu");
    expect(await quiet.mode()).toBe("sfu");
  });

  test("the speaking participant is the active speaker on both pages, the silent one on neither", async () => {
    for (const page of [talker, quiet]) {
      await page.tile("talker").and(page.page.locator('[data-speaking="true"]')).waitFor({ timeout: 45_000 });
    }
    // A while later it still holds: the silent microphone never takes over.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    for (const page of [talker, quiet]) {
      expect(await page.tile("quiet").getAttribute("data-speaking")).toBeNull();
      expect(await page.tile("talker").getAttribute("data-speaking")).toBe("true");
    }
  });

  test("each page shows the talker's connection quality, with an accessible label", async () => {
    const badge = quiet.tile("talker").locator("[data-quality]");
    await badge.waitFor({ timeout: 30_000 });
    const label = await waitFor("a quality label", async () => (await badge.getAttribute("aria-label")) ?? undefined);
    expect(label).toMatch(/^Connection: (excellent|good|poor|lost)$/);
    expect(await badge.getAttribute("role")).toBe("img");
  });

  test("no console errors", () => {
    expect(talker.consoleErrors).toEqual([]);
    expect(quiet.consoleErrors).toEqual([]);
  });
});
