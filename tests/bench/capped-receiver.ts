// Benchmark: one receiver behind a slow link. An SFU call of three Chromium pages, Alice alone
// sending (fake camera and microphone); Carol's receive transport is capped at `kbit` (an htb
// class on the namespace's lo, tests/network/support/impair.ts) for `seconds`, and Bob, in the
// same call, is not: he is the baseline. Prints what each of them decodes of Alice meanwhile
// (frames per second, freezes, frame height, video kbit/s) and Carol's figures as a ratio of
// Bob's. The target: the capped receiver keeps 10 fps or more.
//
//   node tests/bench/capped-receiver.ts [runs] [seconds] [kbit]   (default 3 runs of 20 s at 300 kbit/s)
//
// Runs inside a loopback-only network namespace (root + unshare), like the network suite.
import type { Browser } from "playwright-core";
import { launchChromium } from "../e2e/support/browser.ts";
import { closeAll, type Participant, startCall } from "../network/support/call.ts";
import { capBandwidth } from "../network/support/impair.ts";
import type { MediaRelay } from "../network/support/media-relay.ts";
import { startRelayedCallServers } from "../network/support/start-servers.ts";
import { rerunBenchInNamespace } from "../support/browser-suite.ts";
import { insideNamespace } from "../support/netns.ts";
import { stopAllChildren } from "../support/processes.ts";
import { summary } from "./harness.ts";

const runs = Math.max(1, Number(process.argv[2] ?? 3) || 3);
const seconds = Math.max(5, Number(process.argv[3] ?? 20) || 20);
const kbit = Math.max(50, Number(process.argv[4] ?? 300) || 300);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Seen {
  frames: number;
  height: number;
  freezes: number;
  frozenSeconds: number;
  bytes: number;
}

interface Watched {
  fps: number;
  freezesPerMin: number;
  frozenSeconds: number;
  /** The lowest frame height seen in the per-second samples, and the last. */
  lowestHeight: number;
  kbitPerSecond: number;
}

async function aliceSeenBy(p: Participant): Promise<Seen> {
  const video = (await p.stats()).video.find((v) => v.user === "Alice");
  if (video === undefined) throw new Error(`${p.name} receives no video from Alice`);
  return {
    frames: video.framesDecoded,
    height: video.frameHeight,
    freezes: video.freezeCount,
    frozenSeconds: video.totalFreezesDuration,
    bytes: video.bytesReceived,
  };
}

/** One call: Carol capped for `seconds`, sampled each second beside Bob. */
async function run(browser: Browser, edgeUrl: string): Promise<{ carol: Watched; bob: Watched }> {
  const room = `bench-cap-${Date.now().toString(36)}`;
  const people = await startCall(browser, edgeUrl, room, ["Alice", "Bob", "Carol"], {
    speakers: ["Alice"],
    cameras: ["Alice"],
  });
  try {
    const [, bob, carol] = people as [Participant, Participant, Participant];
    await sleep(5000); // past the first seconds' bandwidth ramp-up
    const receiving = (await carol.stats()).pairs.find((pair) => pair.receivesVideo);
    if (receiving === undefined) throw new Error("Carol has no receive transport");
    const start = { carol: await aliceSeenBy(carol), bob: await aliceSeenBy(bob) };
    const lowest = { carol: start.carol.height, bob: start.bob.height };
    const startedAt = Date.now();
    const undo = capBandwidth(receiving.localPort, kbit);
    try {
      for (let s = 0; s < seconds; s++) {
        await sleep(1000);
        for (const [name, p] of [
          ["carol", carol],
          ["bob", bob],
        ] as const) {
          const h = (await aliceSeenBy(p)).height;
          if (h > 0) lowest[name] = Math.min(lowest[name], h);
        }
      }
    } finally {
      await undo();
    }
    const elapsed = (Date.now() - startedAt) / 1000;
    const end = { carol: await aliceSeenBy(carol), bob: await aliceSeenBy(bob) };
    const watched = (name: "carol" | "bob"): Watched => ({
      fps: (end[name].frames - start[name].frames) / elapsed,
      freezesPerMin: ((end[name].freezes - start[name].freezes) * 60) / elapsed,
      frozenSeconds: end[name].frozenSeconds - start[name].frozenSeconds,
      lowestHeight: lowest[name],
      kbitPerSecond: ((end[name].bytes - start[name].bytes) * 8) / 1000 / elapsed,
    });
    return { carol: watched("carol"), bob: watched("bob") };
  } finally {
    await closeAll(people);
  }
}

const median = (values: number[]) => summary(values).p50;
const f1 = (n: number) => n.toFixed(1);

async function main(): Promise<number> {
  if (!insideNamespace()) {
    const code = await rerunBenchInNamespace(import.meta.url);
    if (code !== null) return code;
    console.error("[bench] capped-receiver.ts needs root and unshare (it shapes a private namespace's loopback only)");
    return 1;
  }
  let browser: Browser | undefined;
  let relay: MediaRelay | undefined;
  try {
    const servers = await startRelayedCallServers("bench-capped", 3);
    const { edge } = servers;
    relay = servers.relay;
    browser = await launchChromium("accept");
    const results: { carol: Watched; bob: Watched }[] = [];
    for (let i = 0; i < runs; i++) results.push(await run(browser, edge.url));
    const row = (name: string, pick: (r: { carol: Watched; bob: Watched }) => Watched) => {
      const w = results.map(pick);
      const m = (k: keyof Watched) => median(w.map((x) => x[k]));
      return `${name.padEnd(34)}${f1(m("fps")).padStart(6)}${f1(m("freezesPerMin")).padStart(13)}${f1(m("frozenSeconds")).padStart(10)}${String(m("lowestHeight")).padStart(15)}${String(Math.round(m("kbitPerSecond"))).padStart(14)}`;
    };
    console.log(
      `\nSFU call, 3 Chromium pages, Alice sending; Carol's downlink capped at ${kbit} kbit/s for ${seconds} s; medians of ${runs} runs`,
    );
    console.log(
      `${"".padEnd(34)}${"fps".padStart(6)}${"freezes/min".padStart(13)}${"frozen s".padStart(10)}${"lowest height".padStart(15)}${"video kbit/s".padStart(14)}`,
    );
    console.log(row(`huddle: Carol, capped`, (r) => r.carol));
    console.log(row("baseline: Bob, same call, uncapped", (r) => r.bob));
    const fps = (k: "carol" | "bob") => median(results.map((r) => r[k].fps));
    console.log(
      `ratio (Carol / Bob): fps ${(fps("carol") / fps("bob")).toFixed(2)}x; the issue's target: 10 fps or more`,
    );
    console.log(`every run: ${JSON.stringify(results)}`);
    return 0;
  } finally {
    await browser?.close();
    await relay?.close();
    await stopAllChildren();
  }
}

process.exit(await main());
