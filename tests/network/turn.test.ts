import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchChromium } from "../e2e/support/browser.ts";
import { waitFor } from "../support/wait.ts";
import { closeAll, expectCallFlowing, type Participant, startCall } from "./support/call.ts";
import { type Coturn, startCoturn } from "./support/coturn.ts";
import { loss } from "./support/impair.ts";
import { turnSettings } from "./support/servers.ts";

const NAMES = ["Alice", "Bob"] as const;
const SPEAKERS = ["Alice"];

// A peer-to-peer (mesh) call through Debian's coturn: the edge (TURN_SECRET, TURN_URLS, no media
// node) hands each participant short-lived TURN credentials in `joined`; the pages have no other
// ICE server configured and may use relay candidates only (iceTransportPolicy "relay"), so media
// flows only if coturn accepted the edge's credentials.
describe("mesh call through TURN", () => {
  let browser: Browser;
  let coturn: Coturn;
  let people: Participant[] = [];
  const person = (name: string) => people.find((p) => p.name === name) as Participant;

  beforeAll(async () => {
    const turn = turnSettings();
    coturn = await startCoturn(turn.port, turn.secret);
    browser = await launchChromium("accept");
  });

  afterAll(async () => {
    await closeAll(people);
    await browser?.close();
    await coturn?.stop();
  });

  test("media flows both ways over a relay candidate pair with the edge's TURN credentials", async () => {
    const { meshUrl } = turnSettings();
    people = await startCall(browser, meshUrl, `net-turn-${Date.now().toString(36)}`, NAMES, {
      speakers: SPEAKERS,
      forceRelay: true,
    });
    expect(await people[0]?.call.mode()).toBe("mesh");
    await expectCallFlowing(people, SPEAKERS);
    for (const p of people) {
      const { pairs } = await p.stats();
      expect(pairs.length, `${p.name}'s pairs: ${JSON.stringify(pairs)}`).toBe(1);
      for (const pair of pairs) {
        expect(pair.localType, `${p.name}: ${JSON.stringify(pair)}`).toBe("relay");
        expect(pair.remoteType).toBe("relay");
      }
    }
    // coturn authenticated the REST-API user name (`<expiry>:<user>`) the edge signed.
    expect(coturn.lines.some((line) => /realm <huddle\.test> user <\d+:(Alice|Bob)>/.test(line))).toBe(true);
  });

  test("under 15 % loss between the browsers and the relay, lost audio is asked for and resent", async () => {
    expect(people.length, "the call of the first test").toBe(NAMES.length);
    // Each browser adds Opus NACK to the other's description (web/src/call/audioRepairs.ts): the
    // browsers write none themselves, so without it neither asks for lost audio again.
    const undo = loss({ ip: "127.0.0.1", port: turnSettings().port }, 15);
    try {
      await waitFor(
        "Bob's NACKs for Alice's lost audio, and Alice resending",
        async () => {
          const heard = (await person("Bob").stats()).audio;
          const resent = (await person("Alice").stats()).audioResent;
          if (heard.some((a) => a.packetsLost > 0 && a.nackCount > 0) && resent > 0) return true;
          throw new Error(`Bob's audio: ${JSON.stringify(heard)}; Alice resent ${resent}`);
        },
        20_000,
      );
      await expectCallFlowing(people, SPEAKERS);
    } finally {
      await undo();
    }
  });
});
