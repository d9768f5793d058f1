import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { RoomPreview, recordingPaths, roomPreviewPath, signedFetch } from "../../protocol/src/index.ts";
import { type Edge, startEdge } from "../support/edge.ts";
import { mediaNodeAvailable, startTestMediaNode, type TestMediaNode } from "../support/media-nodes.ts";
import { type AccessServer, inviteLink, joinByInvite, openInvite } from "./support/access.ts";
import { launchChromium } from "./support/browser.ts";
import type { CallPage } from "./support/call-page.ts";

// Consent (issue 17): everyone in a recorded call sees that it is recorded, and a person about
// to join is told so in the lobby before joining. A room with join tokens on an edge with a
// real media node that records (MEDIA_NODE_RECORDINGS_DIR), both started by this file: the
// other suites' nodes do not record. Cameras and microphones stay off: what matters here is
// what each page shows, and the recording itself runs on the node all the same.

const WAIT = { timeout: 30_000 };

describe("recording consent in the browser", () => {
  let browser: Browser;
  let media: TestMediaNode | undefined;
  let edge: Edge | undefined;
  let server: AccessServer;
  let recordings: string;
  let nodeSecret: string;
  const opened: CallPage[] = [];

  beforeAll(async () => {
    // No media node, no recording: the suite fails rather than skipping green.
    const missing = mediaNodeAvailable();
    if (missing !== undefined) throw new Error(`the recording consent suite needs a media node: ${missing}`);
    recordings = await mkdtemp(join(tmpdir(), "huddle-e2e-rec-"));
    nodeSecret = randomBytes(32).toString("hex");
    const apiKey = "e2e-recording";
    const apiSecret = randomBytes(32).toString("hex");
    media = await startTestMediaNode("media-node-recording", nodeSecret, {
      env: { MEDIA_NODE_RECORDINGS_DIR: recordings, MEDIA_NODE_RECORDINGS_MIN_FREE_MB: "1" },
    });
    edge = await startEdge("recording", {
      MAX_PARTICIPANTS: "4",
      MEDIA_NODES: media.url,
      MEDIA_NODE_SECRET: nodeSecret,
      API_KEYS: `${apiKey}:${apiSecret}`,
    });
    server = { url: edge.url, apiKey, apiSecret };
    browser = await launchChromium("accept");
  });

  afterEach(async () => {
    for (const page of opened.splice(0)) {
      if (page.consoleErrors.length > 0)
        console.warn(`[e2e] ${page.name}'s console errors:\n  ${page.consoleErrors.join("\n  ")}`);
      await page.close();
    }
  });

  afterAll(async () => {
    await browser?.close();
    await edge?.stop();
    await media?.stop();
    if (recordings !== undefined) await rm(recordings, { recursive: true, force: true });
  });

  const open = async (room: string, identity: string, options: { admin?: boolean } = {}) => {
    const link = await inviteLink(server, room, identity, { admin: options.admin === true });
    const page = await openInvite(browser, link, identity, { camera: false, microphone: false });
    opened.push(page);
    return page;
  };
  const indicator = (page: CallPage) => page.page.getByTestId("recording-indicator");
  const recordControl = (page: CallPage) => page.page.getByRole("button", { name: "Record", exact: true });

  /** What the lobby's preview says, asked the way the lobby asks. */
  const preview = async (room: string, token?: string) => {
    const response = await fetch(`${server.url}${roomPreviewPath(room)}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(token === undefined ? {} : { token }),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const tokenOf = (link: string) => new URL(link).hash.replace(/^#token=/, "");

  test("everyone sees the recording; a late joiner is told in the lobby before joining", async () => {
    const room = `rec-consent-${Date.now().toString(36)}`;
    const mod = await open(room, "mod", { admin: true });
    const pam = await open(room, "pam");
    for (const page of [mod, pam]) await joinByInvite(page);
    expect(await mod.mode()).toBe("sfu");
    expect(await indicator(mod).count()).toBe(0);
    expect(await indicator(pam).count()).toBe(0);
    // Only a participant whose grants allow recording has the control.
    expect(await recordControl(pam).count()).toBe(0);

    await recordControl(mod).click();
    for (const page of [mod, pam]) {
      await indicator(page).waitFor(WAIT);
      expect(await indicator(page).textContent()).toContain("Recording");
      // Inside a live region: a screen reader announces it.
      await page.page.getByRole("status").filter({ hasText: "Recording" }).first().waitFor(WAIT);
    }
    expect(await recordControl(mod).getAttribute("aria-pressed")).toBe("true");

    // The node really records: one recording's folder with its manifest.
    const folders = await readdir(join(recordings, room));
    expect(folders).toHaveLength(1);
    expect(existsSync(join(recordings, room, folders[0] as string, "manifest.json"))).toBe(true);

    // The lobby's question: with the invite's token it names the recording, without one it says nothing.
    const leeLink = await inviteLink(server, room, "lee");
    const answered = await preview(room, tokenOf(leeLink));
    expect(answered.status).toBe(200);
    expect(RoomPreview.parse(answered.body).recording?.recordingId).toBe(folders[0]);
    const refused = await preview(room);
    expect(refused.status).toBe(401);
    expect(JSON.stringify(refused.body)).not.toContain(folders[0] as string);

    // A late joiner: told in the lobby, before pressing Join, then sees the indicator in the call.
    const lee = await openInvite(browser, leeLink, "lee", { camera: false, microphone: false });
    opened.push(lee);
    const notice = lee.page.getByTestId("recording-notice");
    await notice.waitFor(WAIT);
    expect(await notice.textContent()).toContain("being recorded");
    expect(await lee.page.getByRole("button", { name: "Join call" }).isVisible()).toBe(true);
    expect(await indicator(lee).count()).toBe(0);
    await joinByInvite(lee);
    await indicator(lee).waitFor(WAIT);

    // Stop: the indicator goes away everywhere, and the lobby's preview says so.
    await recordControl(mod).click();
    for (const page of [mod, pam, lee]) await indicator(page).waitFor({ ...WAIT, state: "detached" });
    expect(await recordControl(mod).getAttribute("aria-pressed")).toBe("false");
    const after = await preview(room, tokenOf(leeLink));
    expect(RoomPreview.parse(after.body).recording).toBeNull();
  });

  test("a recording the node ends on its own goes away on every page", async () => {
    const room = `rec-ended-${Date.now().toString(36)}`;
    const mod = await open(room, "mod", { admin: true });
    const pam = await open(room, "pam");
    for (const page of [mod, pam]) await joinByInvite(page);
    await recordControl(mod).click();
    for (const page of [mod, pam]) await indicator(page).waitFor(WAIT);

    // The node stops the recording without the edge (as it does when the disk runs low): the
    // room's alarm asks the node, and everyone is told it stopped.
    if (media === undefined) throw new Error("no media node");
    const stopped = await signedFetch(nodeSecret, new URL(recordingPaths.stop(room), media.url), {
      method: "POST",
      json: {},
    });
    expect(stopped.status).toBe(200);
    for (const page of [mod, pam]) await indicator(page).waitFor({ ...WAIT, state: "detached" });
    expect(await recordControl(mod).getAttribute("aria-pressed")).toBe("false");
  });
});
