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
    // A lower layer: mediasoup picks the highest spatial layer whose base temporal layer fits her
    // estimate, so she either drops to 180p or keeps 360p at fewer temporal layers (a lower frame
    // rate). Either fits the cap: what she does receive arrives (little loss). Without
    // adaptation, both layers' frames would push through the cap and a quarter or more be lost.
    const sample = async (name: string) => (await person(name).stats()).video.find((v) => v.user === "Alice");
    let before = { carol: await sample("Carol"), bob: await sample("Bob"), at: Date.now() };
    /** Windows in a row in which Carol got fewer frames than Bob, with little loss. */
    let fewerFrames = 0;
    let rates = "";
    const lower = await waitFor(
      "Carol to get a lower layer (spatial or temporal) than the top one Alice sends, without heavy loss",
      async () => {
        const h = await heights();
        const now = { carol: await sample("Carol"), bob: await sample("Bob"), at: Date.now() };
        const s = (now.at - before.at) / 1000;
        const fps = (r?: { framesDecoded: number }, b?: { framesDecoded: number }) =>
          ((r?.framesDecoded ?? 0) - (b?.framesDecoded ?? 0)) / s;
        const [carolFps, bobFps] = [fps(now.carol, before.carol), fps(now.bob, before.bob)];
        const received = (now.carol?.packetsReceived ?? 0) - (before.carol?.packetsReceived ?? 0);
        const lost = (now.carol?.packetsLost ?? 0) - (before.carol?.packetsLost ?? 0);
        const lossShare = received + lost > 0 ? lost / (received + lost) : 1;
        before = now;
        rates = `Carol ${carolFps.toFixed(1)} fps (${(100 * lossShare).toFixed(1)} % lost), Bob ${bobFps.toFixed(1)} fps`;
        seen += `; ${rates}`;
        if (h.carol > 0 && h.carol < h.sent) return "spatial";
        const fewer = s >= 1.5 && carolFps > 0 && carolFps < 0.75 * bobFps && lossShare < 0.05;
        fewerFrames = fewer ? fewerFrames + 1 : 0;
        return fewerFrames >= 2 ? "temporal" : undefined;
      },
      60_000,
      2_000,
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
    console.log(`[network] capped: a lower ${lower} layer for Carol (${rates}); ${seen}`);
    // A lower layer, not a frozen picture: both still decode Alice and hear her.
    await expectCallFlowing(people, SENDERS);
  });
});
