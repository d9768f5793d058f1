import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { launchChromium } from "../e2e/support/browser.ts";
import { waitFor } from "../e2e/support/call-page.ts";
import { closeAll, expectCallFlowing, type Participant, startCall } from "./support/call.ts";
import { capBandwidth, describeImpairments, type Undo } from "./support/impair.ts";
import type { MediaRelay } from "./support/media-relay.ts";
import { sfuEdgeUrl, startMediaRelay } from "./support/servers.ts";

const NAMES = ["Alice", "Bob", "Carol"] as const;
/** Alice alone sends (camera and microphone): one simulcast encoder keeps its top layer on this busy machine. */
const SENDERS = ["Alice"];

// A receiver behind a slow link: the media node forwards her the layer her link carries.
describe("an SFU receiver capped at 300 kbit/s", () => {
  let browser: Browser;
  let relay: MediaRelay;
  let people: Participant[] = [];
  let undo: Undo | undefined;
  const person = (name: string) => people.find((p) => p.name === name) as Participant;

  beforeAll(async () => {
    relay = await startMediaRelay();
    browser = await launchChromium("accept");
    const room = `net-cap-${Date.now().toString(36)}`;
    people = await startCall(browser, sfuEdgeUrl(), room, NAMES, { speakers: SENDERS, cameras: SENDERS });
  });

  afterEach(async () => {
    if (undo === undefined) return;
    await undo();
    undo = undefined;
    expect(describeImpairments()).not.toMatch(/htb/);
  });

  afterAll(async () => {
    await closeAll(people);
    await browser?.close();
    await relay?.close();
  });

  test("gets a lower layer of Alice's camera than she sends while Bob keeps the top one, and both keep decoding", async () => {
    const top = async () => Math.max(0, ...(await person("Alice").call.outboundVideo()).map((o) => o.frameHeight));
    const heightAt = async (receiver: string) =>
      (await person(receiver).stats()).video.find((v) => v.user === "Alice")?.frameHeight ?? 0;
    let seen = "";
    const heights = async () => {
      const [carol, bob, sent] = [await heightAt("Carol"), await heightAt("Bob"), await top()];
      seen = `Carol ${carol}, Bob ${bob}, Alice sends ${sent}`;
      return { carol, bob, sent };
    };
    const explain = (error: unknown) => {
      throw new Error(`${(error as Error).message}: ${seen}`);
    };
    // Uncapped, both receive the top layer Alice sends.
    await waitFor(
      "Bob and Carol to receive Alice's top layer",
      async () => {
        const h = await heights();
        return h.sent > 0 && h.bob === h.sent && h.carol === h.sent;
      },
      60_000,
      500,
    ).catch(explain);
    const carol = await person("Carol").stats();
    const receiving = carol.pairs.find((pair) => pair.receivesVideo);
    if (receiving === undefined) throw new Error(`Carol has no receive transport: ${JSON.stringify(carol.pairs)}`);
    undo = capBandwidth(receiving.localPort, 300);
    await waitFor(
      "Carol to get a lower layer than the top one Alice sends",
      async () => {
        const h = await heights();
        return h.carol > 0 && h.carol < h.sent;
      },
      60_000,
      500,
    ).catch(explain);
    // Bob's link is not capped: one receiver's slow link must not take the top layer from the
    // others. On this busy machine his own bandwidth estimate can dip for a moment, so he gets a
    // while to be seen at the top layer again, with Carol's cap still on.
    await waitFor(
      "Bob to receive Alice's top layer while Carol is capped",
      async () => {
        const h = await heights();
        return h.sent > 0 && h.bob === h.sent;
      },
      30_000,
      500,
    ).catch(explain);
    console.log(`[network] capped: ${seen}`);
    // A lower layer, not a frozen picture: both still decode Alice and hear her.
    await expectCallFlowing(people, SENDERS);
  });
});
