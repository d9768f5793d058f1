import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchChromium } from "../e2e/support/browser.ts";
import { closeAll, expectCallFlowing, type Participant, startCall } from "./support/call.ts";
import { blockUdp, type Undo } from "./support/impair.ts";
import type { MediaRelay } from "./support/media-relay.ts";
import { sfuEdgeUrl, startMediaRelay } from "./support/servers.ts";

const NAMES = ["Alice", "Bob"] as const;
const SPEAKERS = ["Alice"];

// A firewall that drops every UDP datagram: the media node's WebRtcServer also listens on TCP
// (media-node/src/workers.ts) and announces a TCP candidate, so a fresh call runs over ICE-TCP.
describe("SFU call with UDP blocked", () => {
  let browser: Browser;
  let relay: MediaRelay;
  let people: Participant[] = [];
  let undo: Undo | undefined;

  beforeAll(async () => {
    relay = await startMediaRelay();
    browser = await launchChromium("accept");
    // Before anyone joins: ICE never sees a working UDP path.
    undo = blockUdp();
    people = await startCall(browser, sfuEdgeUrl(), `net-tcp-${Date.now().toString(36)}`, NAMES, {
      speakers: SPEAKERS,
    });
  });

  afterAll(async () => {
    await undo?.();
    await closeAll(people);
    await browser?.close();
    await relay?.close();
  });

  test("people who join while UDP is dropped get each other's video and audio over TCP", async () => {
    await expectCallFlowing(people, SPEAKERS);
    for (const p of people) {
      const { pairs } = await p.stats();
      // Both transports (send and receive) on TCP, straight to the media node's candidate.
      expect(pairs.length, `${p.name}'s pairs: ${JSON.stringify(pairs)}`).toBe(2);
      for (const pair of pairs) {
        expect(pair.protocol, `${p.name}: ${JSON.stringify(pair)}`).toBe("tcp");
        expect(pair.remoteType).toBe("host");
      }
    }
  });
});
