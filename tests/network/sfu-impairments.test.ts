import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { REPAIR_HOLD_MS } from "../../web/src/call/repairDelay.ts";
import { launchChromium } from "../e2e/support/browser.ts";
import { waitFor } from "../support/wait.ts";
import { closeAll, expectCallFlowing, type Participant, startCall } from "./support/call.ts";
import { delay, describeImpairments, loss, type Undo } from "./support/impair.ts";
import type { MediaRelay } from "./support/media-relay.ts";
import type { NetworkStats } from "./support/rtc-stats.ts";
import { mediaAddress, sfuEdgeUrl, startMediaRelay } from "./support/servers.ts";

const NAMES = ["Alice", "Bob", "Carol"] as const;
/** Only Alice opens her microphone (audio costs the most CPU here); Bob and Carol check her audio. */
const SPEAKERS = ["Alice"];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// One SFU call of three pages (fake camera and microphone), through the tests' relay in front of
// the media node; each test impairs the clients' media for a while and checks that every
// receiver keeps decoding every other's video and receiving their audio.
describe("an SFU call under impairment", () => {
  let browser: Browser;
  let relay: MediaRelay;
  let people: Participant[] = [];
  let undo: Undo | undefined;
  const person = (name: string) => people.find((p) => p.name === name) as Participant;

  beforeAll(async () => {
    relay = await startMediaRelay();
    browser = await launchChromium("accept");
    people = await startCall(browser, sfuEdgeUrl(), `net-${Date.now().toString(36)}`, NAMES, { speakers: SPEAKERS });
  });

  afterEach(async () => {
    if (undo === undefined) return;
    const active = describeImpairments();
    await undo();
    undo = undefined;
    expect(describeImpairments(), `impairment left in place; it was:\n${active}`).not.toMatch(/DROP|htb/);
  });

  afterAll(async () => {
    await closeAll(people);
    await browser?.close();
    await relay?.close();
  });

  for (const percent of [5, 15]) {
    const repairs = percent >= 15 ? ", holding video back for repairs until the loss ends" : "";
    test(`${percent} % random loss each way: every receiver keeps decoding video and receiving audio${repairs}`, async () => {
      undo = loss(mediaAddress(), percent);
      await sleep(2000);
      await expectCallFlowing(people, SPEAKERS);
      await sleep(3000);
      await expectCallFlowing(people, SPEAKERS);
      // Alice's encoder was asked for Opus in-band FEC (media-node/src/codecs.ts).
      expect((await person("Alice").stats()).sendsOpusFec).toBe(true);
      const stats = await person("Carol").stats();
      // The loss is real: the receiver counts lost packets and asks for retransmissions.
      expect(stats.video.some((v) => v.packetsLost > 0)).toBe(true);
      expect(stats.video.some((v) => v.nackCount > 0)).toBe(true);
      // Lost audio is asked for again too (web/src/call/audioRepairs.ts), and resent: Alice's
      // browser keeps her Opus packets for that (the microphone's opusNack).
      expect(
        stats.audio.some((a) => a.nackCount > 0),
        JSON.stringify(stats.audio),
      ).toBe(true);
      if (percent < 15) return;
      // Every receiver holds remote video back for the repairs (web/src/call/repairDelay.ts): at
      // 15 % each way about a fifth of the packets are asked for again. (Tiles only:
      // mediasoup-client's bandwidth probe is an inbound video of its own.)
      const shown = (stats: NetworkStats) => stats.video.filter((v) => v.user !== "");
      for (const p of people) {
        expect(
          shown(await p.stats()).map((v) => v.playoutTargetMs),
          `${p.name}'s playout targets`,
        ).not.toContain(null);
      }
      // Once the network is clean again, the targets go back to the browser's own.
      await undo();
      undo = undefined;
      let last = "";
      await waitFor(
        "every playout target back to the browser's own after the loss",
        async () => {
          const all = await Promise.all(people.map(async (p) => ({ name: p.name, video: shown(await p.stats()) })));
          last = JSON.stringify(all.map(({ name, video }) => [name, video.map((v) => [v.user, v.playoutTargetMs])]));
          return all.every(({ video }) => video.every((v) => v.playoutTargetMs === null));
        },
        REPAIR_HOLD_MS + 15_000,
        500,
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; last seen: ${last}`);
      });
    });
  }

  test("150 ms +- 30 ms delay each way (so reordered too): every receiver keeps decoding", async () => {
    const forwarded = relay.forwarded;
    undo = delay(relay, 150, 30);
    await sleep(2000);
    await expectCallFlowing(people, SPEAKERS);
    await sleep(3000);
    await expectCallFlowing(people, SPEAKERS);
    expect(relay.forwarded).toBeGreaterThan(forwarded);
  });
});
