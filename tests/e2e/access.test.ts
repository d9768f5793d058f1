import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { ARTIFACTS } from "../support/paths.ts";
import { accessServer, inviteLink, joinByInvite, openInvite, openPeople } from "./support/access.ts";
import { launchChromium } from "./support/browser.ts";
import { type CallPage, waitFor } from "./support/call-page.ts";

// Rooms closed by API_KEYS, on a media node: people join with invite links (join tokens minted
// here with the edge's key), and a moderator (roomAdmin) mutes, removes and admits from the
// participant list. Cameras stay off (signaling and audio are what matter here; video costs CPU).

const server = accessServer();
const roomName = (what: string) => `access-${what}-${Date.now().toString(36)}`;

/** A screenshot in the artifacts folder, for a person to look at (the layout is not asserted). */
async function screenshot(page: CallPage, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.page.screenshot({ path: join(ARTIFACTS, name) });
}

describe("moderation in the browser", () => {
  let browser: Browser;
  const opened: CallPage[] = [];
  const open = async (link: string, identity: string, microphone = false) => {
    const page = await openInvite(browser, link, identity, { camera: false, microphone });
    opened.push(page);
    return page;
  };

  beforeAll(async () => {
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
  });

  test("a moderator mutes a participant: the others stop receiving their audio, the tile shows it", async () => {
    const room = roomName("mute");
    const mod = await open(await inviteLink(server, room, "mod", { name: "Maya Moderator", admin: true }), "mod");
    const pam = await open(await inviteLink(server, room, "pam", { name: "Pam Speaker" }), "pam", true);
    const bob = await open(await inviteLink(server, room, "bob", { name: "Bob Listener" }), "bob");
    // The lobby shows who each joins as, from the token: nobody typed a name.
    expect(await pam.page.getByTestId("invite-identity").textContent()).toContain("Pam Speaker");
    for (const page of [mod, pam, bob]) await joinByInvite(page);
    expect(await bob.mode()).toBe("sfu");

    // Pam's microphone reaches both others: packets keep arriving.
    const rising = async (page: CallPage) => {
      const first = await waitFor(`${page.name} to receive Pam's audio`, async () => {
        const stat = (await page.inboundAudio()).find((s) => s.user === "pam");
        return stat !== undefined && stat.packetsReceived > 0 && !stat.paused ? stat.packetsReceived : undefined;
      });
      await waitFor(`${page.name}'s packets from Pam to rise above ${first}`, async () => {
        const stat = (await page.inboundAudio()).find((s) => s.user === "pam");
        return (stat?.packetsReceived ?? 0) > first;
      });
    };
    await rising(bob);
    await rising(mod);
    // Names from the tokens on the tiles.
    await expect.poll(() => bob.tile("pam").locator(".tile-name").textContent()).toBe("Pam Speaker");
    await expect.poll(() => bob.tile("mod").locator(".tile-name").textContent()).toBe("Maya Moderator");
    expect(await bob.tile("pam").getByRole("img", { name: "Microphone muted" }).count()).toBe(0);

    await openPeople(mod);
    // Only a moderator has the controls.
    await openPeople(bob);
    expect(await bob.page.getByRole("button", { name: "Mute Pam Speaker's microphone" }).count()).toBe(0);
    await screenshot(mod, "access-moderator-controls.png");
    await mod.page.getByRole("button", { name: "Mute Pam Speaker's microphone" }).click();

    // Pam is told, and her own controls show the microphone muted.
    await pam.page
      .locator(".toast")
      .filter({ hasText: "A moderator muted your microphone" })
      .waitFor({ timeout: 15_000 });
    await expect.poll(() => pam.control("Mute microphone").getAttribute("aria-pressed")).toBe("true");
    // Bob's consumer of Pam's microphone is paused and no more packets arrive; her tile shows muted.
    const stopped = await waitFor("Bob's consumer of Pam's audio to be paused", async () => {
      const stat = (await bob.inboundAudio()).find((s) => s.user === "pam");
      return stat?.paused === true ? stat.packetsReceived : undefined;
    });
    await expect.poll(() => bob.tile("pam").getByRole("img", { name: "Microphone muted" }).count()).toBe(1);
    // "Nothing arrives" needs a window: two seconds (an audio producer that still sent would add ~100).
    await bob.page.waitForTimeout(2000);
    const later = (await bob.inboundAudio()).find((s) => s.user === "pam")?.packetsReceived ?? -1;
    expect(later - stopped).toBeLessThanOrEqual(2);
    console.log(`[e2e] access: Bob received ${stopped} -> ${later} audio packets from Pam after the mute`);

    // Her grants still allow the microphone: she unmutes, and the audio flows again.
    await pam.control("Mute microphone").click();
    await expect.poll(() => pam.control("Mute microphone").getAttribute("aria-pressed")).toBe("false");
    await rising(bob);
    await expect.poll(() => bob.tile("pam").getByRole("img", { name: "Microphone muted" }).count()).toBe(0);
  });

  test("a removed participant sees the removal screen and cannot rejoin with the same invite", async () => {
    const room = roomName("remove");
    const mod = await open(await inviteLink(server, room, "mod", { name: "Maya Moderator", admin: true }), "mod");
    const raeLink = await inviteLink(server, room, "rae", { name: "Rae Removed" });
    const rae = await open(raeLink, "rae");
    await joinByInvite(mod);
    await joinByInvite(rae);
    await mod.tile("rae").waitFor();

    await openPeople(mod);
    await mod.page.getByRole("button", { name: "Remove Rae Removed" }).click();
    // A confirmation first: nothing happened yet.
    expect(await rae.page.getByRole("alertdialog").count()).toBe(0);
    await mod.page.getByRole("button", { name: "Remove", exact: true }).click();

    const screen = rae.page.locator('[data-refusal="removed"]');
    await screen.waitFor({ timeout: 15_000 });
    expect(await screen.textContent()).toContain("You were removed from the call");
    await screenshot(rae, "access-removed.png");
    await mod.tile("rae").waitFor({ state: "detached", timeout: 15_000 });
    // Removed for good: the client does not reconnect behind the screen.
    expect(await rae.page.locator('[role="status"][data-state]').getAttribute("data-state")).toBe("closed");

    // Back to the lobby, and the same invite link opened again: the room refuses it.
    await rae.page.getByRole("button", { name: "Back to the lobby" }).click();
    await rae.page.goto(raeLink);
    await rae.page.getByTestId("invite-identity").waitFor();
    await rae.page.getByRole("button", { name: "Join call" }).click();
    const again = rae.page.locator('[data-refusal="removed"]');
    await again.waitFor({ timeout: 15_000 });
    expect(await again.textContent()).toContain("cannot join it again");
    expect(await mod.page.locator(".call-count").textContent()).toContain("1");
  });

  test("lobby: the moderator turns it on, a joiner waits, is seen by name and admitted", async () => {
    const room = roomName("lobby");
    const mod = await open(await inviteLink(server, room, "mod", { name: "Maya Moderator", admin: true }), "mod");
    await joinByInvite(mod);
    await openPeople(mod);
    const lobbyToggle = mod.page.getByRole("button", { name: "Turn lobby on" });
    await lobbyToggle.click();
    await expect
      .poll(() => mod.page.getByRole("button", { name: "Turn lobby off" }).getAttribute("aria-pressed"))
      .toBe("true");

    const gus = await open(await inviteLink(server, room, "gus", { name: "Gus Guest" }), "gus");
    await gus.page.getByRole("button", { name: "Join call" }).click();
    const waiting = gus.page.getByTestId("waiting");
    await waiting.waitFor({ timeout: 15_000 });
    expect(await waiting.textContent()).toContain("Waiting for a moderator to let you in");
    expect(await gus.page.getByRole("button", { name: "Cancel" }).isVisible()).toBe(true);

    // The moderator sees the request with the name from Gus's token, and admits him.
    const request = mod.page.getByRole("region", { name: "Waiting to join" }).locator('li[data-user="gus"]');
    await request.waitFor({ timeout: 15_000 });
    expect(await request.textContent()).toContain("Gus Guest");
    await screenshot(mod, "access-moderator-lobby.png");
    await screenshot(gus, "access-waiting.png");
    await mod.page.getByRole("button", { name: "Admit Gus Guest" }).click();

    await gus.page.getByRole("status").filter({ hasText: "Connected" }).waitFor({ timeout: 30_000 });
    await waiting.waitFor({ state: "detached" });
    await expect.poll(() => gus.tile("mod").locator(".tile-name").textContent()).toBe("Maya Moderator");
    await expect.poll(() => mod.tile("gus").locator(".tile-name").textContent()).toBe("Gus Guest");
    await request.waitFor({ state: "detached" });

    // Someone who gets tired of waiting cancels: back in their lobby, gone from the moderator's list.
    const cora = await open(await inviteLink(server, room, "cora", { name: "Cora Cancel" }), "cora");
    await cora.page.getByRole("button", { name: "Join call" }).click();
    await cora.page.getByTestId("waiting").waitFor({ timeout: 15_000 });
    const coraRequest = mod.page.locator('li.person-waiting[data-user="cora"]');
    await coraRequest.waitFor({ timeout: 15_000 });
    await cora.page.getByRole("button", { name: "Cancel" }).click();
    await cora.page.getByTestId("waiting").waitFor({ state: "detached" });
    await cora.page.getByRole("button", { name: "Join call" }).waitFor();
    await coraRequest.waitFor({ state: "detached", timeout: 15_000 });

    // A second joiner is denied: they see why, and stay out.
    const dan = await open(await inviteLink(server, room, "dan", { name: "Dan Denied" }), "dan");
    await dan.page.getByRole("button", { name: "Join call" }).click();
    await dan.page.getByTestId("waiting").waitFor({ timeout: 15_000 });
    await mod.page.getByRole("button", { name: "Deny Dan Denied" }).click();
    await dan.page.locator('[data-refusal="denied"]').waitFor({ timeout: 15_000 });
    expect(await mod.page.locator(".call-count").textContent()).toContain("2");
  });

  test("a moderator ends the call for everyone: each page says so, and nobody reconnects", async () => {
    const room = roomName("end");
    const mod = await open(await inviteLink(server, room, "mod", { name: "Maya Moderator", admin: true }), "mod");
    // Eve's link names no room: the room comes from her token.
    const eve = await open(await inviteLink(server, room, "eve", { name: "Eve Everyone", linkRoom: null }), "eve");
    expect(await eve.page.getByLabel("Room name").inputValue()).toBe(room);
    await joinByInvite(mod);
    await joinByInvite(eve);
    await openPeople(mod);
    await mod.page.getByRole("button", { name: "End call for everyone" }).click();
    await mod.page.getByRole("button", { name: "End for everyone" }).click();
    for (const page of [mod, eve]) {
      const screen = page.page.locator('[data-refusal="room-ended"]');
      await screen.waitFor({ timeout: 15_000 });
      expect(await screen.textContent()).toContain("The call has ended");
      expect(await page.page.locator('[role="status"][data-state]').getAttribute("data-state")).toBe("closed");
    }
  });

  test("each refusal at join has its own screen: expired invite, another room's invite, a locked room", async () => {
    const room = roomName("refuse");
    const expired = await open(await inviteLink(server, room, "old", { ttlSeconds: -120 }), "old");
    await expired.page.getByRole("button", { name: "Join call" }).click();
    const expiredScreen = expired.page.locator('[data-refusal="expired"]');
    await expiredScreen.waitFor({ timeout: 15_000 });
    expect(await expiredScreen.textContent()).toContain("This invite link has expired");

    const elsewhere = await open(await inviteLink(server, room, "lost", { linkRoom: `${room}-b` }), "lost");
    await elsewhere.page.getByRole("button", { name: "Join call" }).click();
    await elsewhere.page.locator('[data-refusal="wrong-room"]').waitFor({ timeout: 15_000 });

    const mod = await open(await inviteLink(server, room, "mod", { admin: true }), "mod");
    await joinByInvite(mod);
    await openPeople(mod);
    await mod.page.getByRole("button", { name: "Lock room" }).click();
    await mod.page.getByRole("button", { name: "Unlock room" }).waitFor();
    const late = await open(await inviteLink(server, room, "late"), "late");
    await late.page.getByRole("button", { name: "Join call" }).click();
    const locked = late.page.locator('[data-refusal="room-locked"]');
    await locked.waitFor({ timeout: 15_000 });
    expect(await locked.textContent()).toContain("This room is locked");
    // Back to the lobby: the invite is still there (kept for this tab), ready to try again.
    await late.page.getByRole("button", { name: "Back to the lobby" }).click();
    await late.page.getByTestId("invite-identity").waitFor();
    expect(late.page.url()).not.toContain("token=");
  });

  test("a viewer joins without camera or microphone; promoted, they publish; demoted, their audio is cut", async () => {
    const room = roomName("promote");
    const mod = await open(await inviteLink(server, room, "mod", { name: "Maya Moderator", admin: true }), "mod");
    const vivLink = await inviteLink(server, room, "viv", { name: "Viv Viewer", grant: { canPublish: false } });
    const viv = await openInvite(browser, vivLink, "viv", { camera: true, microphone: true });
    opened.push(viv);
    // The page counts its capture requests from its first script on: a viewer's lobby must not
    // ask for media at all. A reload of the tab (the address has no token any more) keeps the invite.
    await viv.context.addInitScript(() => {
      const media = navigator.mediaDevices;
      const original = media.getUserMedia.bind(media);
      (window as unknown as { captures: number }).captures = 0;
      media.getUserMedia = (constraints) => {
        (window as unknown as { captures: number }).captures++;
        return original(constraints);
      };
    });
    expect(viv.page.url()).not.toContain("token=");
    await viv.page.reload();
    await viv.page.getByTestId("invite-identity").waitFor();
    const captures = () => viv.page.evaluate(() => (window as unknown as { captures: number }).captures);
    expect(await viv.page.getByTestId("invite-identity").textContent()).toContain("viewer");
    expect(await viv.page.locator(".preview-controls button").count()).toBe(0);
    await joinByInvite(mod);
    await joinByInvite(viv);
    for (const label of ["Mute microphone", "Turn off camera"]) {
      expect(await viv.control(label).isDisabled(), label).toBe(true);
    }
    expect(await captures()).toBe(0);
    await openPeople(mod);
    await expect.poll(() => mod.page.locator('li[data-user="viv"] .person-name').textContent()).toContain("viewer");

    // Promoted: Viv's controls come alive, and her microphone reaches the moderator.
    await mod.page.getByRole("button", { name: "Let Viv Viewer publish" }).click();
    await expect.poll(() => viv.control("Mute microphone").isDisabled(), { timeout: 15_000 }).toBe(false);
    await viv.control("Mute microphone").click(); // muted -> on: opens the microphone now
    await expect
      .poll(() => viv.control("Mute microphone").getAttribute("aria-pressed"), { timeout: 15_000 })
      .toBe("false");
    expect(await captures()).toBe(1);
    const first = await waitFor("the moderator to receive Viv's audio", async () => {
      const stat = (await mod.inboundAudio()).find((a) => a.user === "viv");
      return stat !== undefined && stat.packetsReceived > 0 ? stat.packetsReceived : undefined;
    });
    await waitFor("Viv's audio to keep arriving", async () => {
      const stat = (await mod.inboundAudio()).find((a) => a.user === "viv");
      return (stat?.packetsReceived ?? 0) > first;
    });

    // Demoted again: her producer is closed (the moderator's consumer goes) and her controls lock.
    await mod.page.getByRole("button", { name: "Make Viv Viewer a viewer" }).click();
    await waitFor("the moderator's consumer of Viv's audio to close", async () =>
      (await mod.inboundAudio()).every((a) => a.user !== "viv"),
    );
    await expect.poll(() => viv.control("Mute microphone").isDisabled()).toBe(true);
    expect(await viv.control("Mute microphone").getAttribute("aria-pressed")).toBe("true");
    await viv.page.locator(".toast").filter({ hasText: "A moderator made you a viewer" }).waitFor();

    // Promoted once more: a new producer (the old one is gone), and the audio flows again.
    await mod.page.getByRole("button", { name: "Let Viv Viewer publish" }).click();
    await expect.poll(() => viv.control("Mute microphone").isDisabled(), { timeout: 15_000 }).toBe(false);
    await viv.control("Mute microphone").click();
    await waitFor("Viv's audio to reach the moderator again", async () => {
      const stat = (await mod.inboundAudio()).find((a) => a.user === "viv");
      return stat !== undefined && stat.packetsReceived > 0 && !stat.paused;
    });
    expect(viv.warnings.filter((w) => /Could not/.test(w))).toEqual([]);
  });

  test("a publisher without canSubscribe sends its audio and asks for nothing it may not receive", async () => {
    const room = roomName("nosub");
    const mod = await open(await inviteLink(server, room, "mod", { admin: true }), "mod", true);
    const pia = await open(await inviteLink(server, room, "pia", { grant: { canSubscribe: false } }), "pia", true);
    await joinByInvite(mod);
    await joinByInvite(pia);
    const first = await waitFor("the moderator to receive Pia's audio", async () => {
      const stat = (await mod.inboundAudio()).find((a) => a.user === "pia");
      return stat !== undefined && stat.packetsReceived > 0 ? stat.packetsReceived : undefined;
    });
    await waitFor("Pia's audio to keep arriving", async () => {
      const stat = (await mod.inboundAudio()).find((a) => a.user === "pia");
      return (stat?.packetsReceived ?? 0) > first;
    });
    // The moderator's microphone is there to receive, but Pia's client never asks for it (a
    // refused transport or consume would be a warning here, and a problem on her screen).
    expect(pia.warnings).toEqual([]);
    expect(await pia.inboundAudio()).toEqual([]);
  });
});
