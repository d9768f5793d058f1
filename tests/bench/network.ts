// Benchmark: an SFU call of two Chromium pages (fake camera; Alice also sends her fake
// microphone) under impairment, with the client's loss protection on (NACK + RTX for video,
// Opus in-band FEC and DTX, and the repair delay: web/src/call/repairDelay.ts) beside the same
// call with it off (every remote description stripped of `nack` feedback and `useinbandfec`, and
// no repair delay: tests/network/support/rtc-stats.ts), and beside the call with everything but
// the repair delay, so the gain of each is a ratio.
//
//   node tests/bench/network.ts [runs] [seconds] [loss]   (default 3 runs of each, 20 s of 5 % loss each)
//
// 1. `loss` % (default 5) random loss each way on the media (iptables statistic, tests/network/support/impair.ts)
//    for `seconds`: Bob's freezes per minute and total freeze time of Alice's video (inbound-rtp
//    freezeCount, totalFreezesDuration), frames per second, and the share of Alice's audio that
//    Bob's jitter buffer concealed (concealedSamples / totalSamplesReceived).
// 2. A 5 s blackout of the media (DROP both ways), then restore: time until Bob decodes Alice's
//    video again (p50 over the runs).
// 3. 150 +- 30 ms delay each way (the tests' relay; uniform, so datagrams reorder too) for
//    `seconds`: Bob's freezes per minute, fps and lowest frame height of Alice's video, then the
//    time from the end of the delay until he receives her top layer again.
// 4. A fresh join of both pages with every UDP datagram dropped (the call has to go over TCP),
//    beside the same join with UDP: ms from the Join clicks until each page decodes the other's
//    video (p50 over the runs).
// Runs inside a loopback-only network namespace (root + unshare), like the network suite; run it
// under the shared heavy-run lock. Received bitrate by layout in a 4-person call (receiver-driven
// layers and dynacast) is tests/bench/layers-bitrate.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { launchChromium } from "../e2e/support/browser.ts";
import { writeSpeechWav } from "../e2e/support/fake-audio.ts";
import { closeAll, openParticipant, type Participant, startCall } from "../network/support/call.ts";
import { blackout, blockUdp, loss } from "../network/support/impair.ts";
import type { MediaRelay } from "../network/support/media-relay.ts";
import type { PeerConnectionOptions } from "../network/support/rtc-stats.ts";
import { NETWORK_ENV } from "../network/support/servers.ts";
import { startRelayedCallServers } from "../network/support/start-servers.ts";
import { rerunBenchInNamespace } from "../support/browser-suite.ts";
import { insideNamespace } from "../support/netns.ts";
import { stopAllChildren } from "../support/processes.ts";
import { summary } from "./harness.ts";

const runs = Math.max(1, Number(process.argv[2] ?? 3) || 3);
const seconds = Math.max(5, Number(process.argv[3] ?? 20) || 20);
/** Random loss each way, in percent (the scenarios: 5 and 15). */
const lossPercent = Math.min(50, Math.max(1, Number(process.argv[4] ?? 5) || 5));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface LossRun {
  freezesPerMin: number;
  freezeSeconds: number;
  fps: number;
  concealedPct: number;
  /** Opus packets Bob's jitter buffer recovered from in-band FEC (fecPacketsReceived), and audio lost. */
  fecPackets: number;
  audioLostPct: number;
  /** Retransmission requests Bob sent for Alice's video (none when protection is off). */
  nacks: number;
  /** And for her audio (none when protection is off). */
  audioNacks: number;
}

async function aliceAsSeenByBob(bob: Participant) {
  const stats = await bob.stats();
  const video = stats.video.find((v) => v.user === "Alice");
  const audio = stats.audio[0];
  if (video === undefined || audio === undefined)
    throw new Error(`Bob receives no media from Alice: ${JSON.stringify(stats)}`);
  return { video, audio };
}

async function lossRun(people: Participant[], port: number): Promise<LossRun> {
  const bob = people[1] as Participant;
  const before = await aliceAsSeenByBob(bob);
  const startedAt = Date.now();
  const undo = loss({ ip: NETWORK_ENV.relayIp, port }, lossPercent);
  try {
    await sleep(seconds * 1000);
  } finally {
    await undo();
  }
  const after = await aliceAsSeenByBob(bob);
  const minutes = (Date.now() - startedAt) / 60_000;
  const samples = after.audio.totalSamplesReceived - before.audio.totalSamplesReceived;
  return {
    freezesPerMin: (after.video.freezeCount - before.video.freezeCount) / minutes,
    freezeSeconds: after.video.totalFreezesDuration - before.video.totalFreezesDuration,
    fps: (after.video.framesDecoded - before.video.framesDecoded) / (minutes * 60),
    concealedPct:
      samples > 0 ? (100 * (after.audio.concealedSamples - before.audio.concealedSamples)) / samples : Number.NaN,
    fecPackets: after.audio.fecPacketsReceived - before.audio.fecPacketsReceived,
    nacks: after.video.nackCount - before.video.nackCount,
    audioNacks: after.audio.nackCount - before.audio.nackCount,
    audioLostPct: (() => {
      const received = after.audio.packetsReceived - before.audio.packetsReceived;
      const lost = after.audio.packetsLost - before.audio.packetsLost;
      return received + lost > 0 ? (100 * lost) / (received + lost) : Number.NaN;
    })(),
  };
}

/** Restore after a 5 s blackout -> Bob decodes a new frame of Alice's video, in ms. */
async function blackoutRun(people: Participant[], port: number): Promise<number> {
  const bob = people[1] as Participant;
  const undo = blackout({ ip: NETWORK_ENV.relayIp, port });
  try {
    await sleep(5000);
  } finally {
    await undo();
  }
  const restoredAt = Date.now();
  const frames = (await aliceAsSeenByBob(bob)).video.framesDecoded;
  for (;;) {
    const now = await aliceAsSeenByBob(bob).catch(() => undefined);
    if (now !== undefined && now.video.framesDecoded > frames + 1) return Date.now() - restoredAt;
    if (Date.now() - restoredAt > 60_000) throw new Error("video did not come back within 60 s of the restore");
    await sleep(50);
  }
}

/** Both pages press Join together (UDP dropped, or not): ms from the clicks until each decodes the other. */
async function joinRun(browser: Browser, edgeUrl: string, udpBlocked: boolean): Promise<number> {
  const room = `bench-net-join-${udpBlocked ? "tcp" : "udp"}-${Date.now().toString(36)}`;
  const undo = udpBlocked ? blockUdp() : undefined;
  const people: Participant[] = [];
  try {
    for (const name of ["Alice", "Bob"]) {
      people.push(await openParticipant(browser, edgeUrl, room, name, { microphone: name === "Alice" }));
    }
    for (const p of people) await p.call.page.locator(".preview video:not([hidden])").waitFor();
    await Promise.all(people.map((p) => p.call.submitJoin()));
    const clicked = Date.now();
    await Promise.all(people.map((p) => p.call.expectDecoding(people.filter((o) => o !== p).map((o) => o.name))));
    const elapsed = Date.now() - clicked;
    if (udpBlocked) {
      const pairs = (await Promise.all(people.map((p) => p.stats()))).flatMap((s) => s.pairs);
      if (pairs.some((pair) => pair.protocol !== "tcp")) throw new Error(`UDP dropped, yet ${JSON.stringify(pairs)}`);
    }
    return elapsed;
  } finally {
    await undo?.();
    await closeAll(people);
  }
}

interface DelayRun {
  freezesPerMin: number;
  fps: number;
  /** The lowest frame height Bob decoded during the delay, and what he had before it. */
  lowestHeight: number;
  topHeight: number;
  /** ms from the end of the delay until Bob decodes Alice at `topHeight` again. */
  backToTopMs: number;
}

/** 150 +- 30 ms each way for `seconds`, then back to none: how Bob's video of Alice fares. */
async function delayRun(people: Participant[], relay: MediaRelay): Promise<DelayRun> {
  const bob = people[1] as Participant;
  const before = (await aliceAsSeenByBob(bob)).video;
  const topHeight = before.frameHeight;
  let lowestHeight = topHeight;
  const startedAt = Date.now();
  relay.setDelay(150, 30);
  try {
    while (Date.now() - startedAt < seconds * 1000) {
      await sleep(250);
      const h = (await aliceAsSeenByBob(bob)).video.frameHeight;
      if (h > 0) lowestHeight = Math.min(lowestHeight, h);
    }
  } finally {
    relay.setDelay(0, 0);
  }
  const endedAt = Date.now();
  const during = (await aliceAsSeenByBob(bob)).video;
  const minutes = (endedAt - startedAt) / 60_000;
  for (;;) {
    const now = (await aliceAsSeenByBob(bob)).video;
    if (now.frameHeight >= topHeight) break;
    if (Date.now() - endedAt > 60_000) throw new Error(`Bob was not back at ${topHeight}p 60 s after the delay ended`);
    await sleep(100);
  }
  return {
    freezesPerMin: (during.freezeCount - before.freezeCount) / minutes,
    fps: (during.framesDecoded - before.framesDecoded) / (minutes * 60),
    lowestHeight,
    topHeight,
    backToTopMs: Date.now() - endedAt,
  };
}

interface Figures {
  loss: LossRun[];
  recovery: number[];
  delay: DelayRun[];
}

/** The calls compared: what each turns off (tests/network/support/rtc-stats.ts). */
interface Setup {
  name: string;
  options: PeerConnectionOptions;
  figures: Figures;
}

/** One call in a fresh room: the loss window, a pause, then the blackout. */
async function measure(browser: Browser, edgeUrl: string, relay: MediaRelay, port: number, setup: Setup) {
  const into = setup.figures;
  const protectionOff = setup.options.protectionOff === true;
  const room = `bench-net-${Date.now().toString(36)}`;
  const people = await startCall(browser, edgeUrl, room, ["Alice", "Bob"], { speakers: ["Alice"], ...setup.options });
  try {
    await sleep(3000); // past the first seconds' bandwidth ramp-up
    const run = await lossRun(people, port);
    // A baseline that still retransmits compares the feature with itself (it did, while the
    // strip missed mediasoup-client's "nack " lines): refuse to print such a ratio.
    if (protectionOff && run.nacks > 0) throw new Error(`protection off, yet Bob sent ${run.nacks} NACKs`);
    if (!protectionOff && run.nacks === 0) throw new Error("protection on, yet Bob sent no NACK under loss");
    into.loss.push(run);
    await sleep(3000);
    into.recovery.push(await blackoutRun(people, port));
    await sleep(3000);
    into.delay.push(await delayRun(people, relay));
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
    console.error("[bench] network.ts needs root and unshare (it impairs a private namespace's loopback only)");
    return 1;
  }
  let browser: Browser | undefined;
  let relay: MediaRelay | undefined;
  let speechDir: string | undefined;
  try {
    const servers = await startRelayedCallServers("bench-network", 2);
    const { edge, rtcPort } = servers;
    relay = servers.relay;
    // Alice speaks (espeak-ng): Opus codes speech with SILK, the mode that carries in-band FEC.
    // Chromium's own fake microphone is a beep, which Opus codes with CELT: no FEC at all.
    speechDir = mkdtempSync(join(tmpdir(), "huddle-bench-net-"));
    const speech = join(speechDir, "speech.wav");
    writeSpeechWav(speech);
    browser = await launchChromium("accept", undefined, {
      extraArgs: [`--use-file-for-fake-audio-capture=${speech}`],
    });
    // Alternate so that drifting load on this shared machine hits all alike.
    const figures = (): Figures => ({ loss: [], recovery: [], delay: [] });
    const off: Setup = { name: "baseline: protection off", options: { protectionOff: true }, figures: figures() };
    const noRepair: Setup = {
      name: "NACK+RTX, Opus FEC, no repair delay",
      options: { repairDelayOff: true },
      figures: figures(),
    };
    const on: Setup = { name: "huddle: all of it, repair delay too", options: {}, figures: figures() };
    for (let i = 0; i < runs; i++) {
      for (const setup of [off, noRepair, on]) await measure(browser, edge.url, relay, rtcPort, setup);
    }
    const row = ({ name, figures: x }: Setup) => {
      const l = x.loss;
      return `${name.padEnd(38)}${f1(median(l.map((r) => r.freezesPerMin))).padStart(9)}${f1(median(l.map((r) => r.freezeSeconds))).padStart(11)}${f1(median(l.map((r) => r.fps))).padStart(8)}${f1(median(l.map((r) => r.concealedPct))).padStart(12)}${f1(median(l.map((r) => r.audioLostPct))).padStart(13)}${String(Math.round(median(l.map((r) => r.fecPackets)))).padStart(13)}${String(Math.round(median(x.recovery))).padStart(14)}`;
    };
    console.log(
      `\nSFU call, 2 Chromium pages, ${lossPercent} % loss each way for ${seconds} s, then a 5 s blackout; medians of ${runs} runs`,
    );
    console.log(
      `${"".padEnd(38)}${"freezes/min".padStart(9)}${"frozen s".padStart(11)}${"fps".padStart(8)}${"concealed %".padStart(12)}${"audio lost %".padStart(13)}${"FEC packets".padStart(13)}${"recovery ms".padStart(14)}`,
    );
    for (const setup of [off, noRepair, on]) console.log(row(setup));
    const ratio = (a: number, b: number) => (b === 0 ? "n/a" : `${(a / b).toFixed(2)}x`);
    const m = (x: Setup, k: keyof LossRun) => median(x.figures.loss.map((r) => r[k]));
    for (const base of [off, noRepair]) {
      console.log(
        `ratios (huddle / ${base.name}): freezes/min ${ratio(m(on, "freezesPerMin"), m(base, "freezesPerMin"))}, frozen time ${ratio(m(on, "freezeSeconds"), m(base, "freezeSeconds"))}, concealed ${ratio(m(on, "concealedPct"), m(base, "concealedPct"))}, recovery ${ratio(median(on.figures.recovery), median(base.figures.recovery))}`,
      );
    }
    const delayRow = ({ name, figures: x }: Setup) => {
      const d = x.delay;
      return `${name}: ${f1(median(d.map((r) => r.freezesPerMin)))} freezes/min, ${f1(median(d.map((r) => r.fps)))} fps, lowest ${median(d.map((r) => r.lowestHeight))}p of ${median(d.map((r) => r.topHeight))}p, back at the top ${Math.round(median(d.map((r) => r.backToTopMs)))} ms after`;
    };
    console.log(`\n150 +- 30 ms delay each way for ${seconds} s, then none; medians of ${runs} runs`);
    for (const setup of [off, noRepair, on]) console.log(delayRow(setup));
    const joins = { tcp: [] as number[], udp: [] as number[] };
    for (let i = 0; i < runs; i++) {
      joins.udp.push(await joinRun(browser, edge.url, false));
      joins.tcp.push(await joinRun(browser, edge.url, true));
    }
    console.log(
      `fresh join of 2 pages, Join clicks -> each page decodes the other, p50 of ${runs}: UDP dropped (TCP) ${Math.round(median(joins.tcp))} ms, baseline with UDP ${Math.round(median(joins.udp))} ms, ratio ${ratio(median(joins.tcp), median(joins.udp))}`,
    );
    const all = Object.fromEntries([off, noRepair, on].map((setup) => [setup.name, setup.figures]));
    console.log(`every run: ${JSON.stringify({ ...all, joins })}`);
    return 0;
  } finally {
    await browser?.close();
    await relay?.close();
    if (speechDir !== undefined) rmSync(speechDir, { recursive: true, force: true });
    await stopAllChildren();
  }
}

process.exit(await main());
