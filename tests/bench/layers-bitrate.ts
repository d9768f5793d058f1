/// <reference lib="dom" />
// Benchmark: the video a participant receives in a 4-person SFU call, by layout, with
// receiver-driven layers and dynacast (ours) beside the same call with adaptation off, so the
// gain is a ratio.
//
//   node tests/bench/layers-bitrate.ts [--runs 2] [--seconds 10] [--resolution 720p|360p]
//
// Bob, Carol and Dave send a camera (default 720p: three simulcast layers, 180p / 360p / 720p) and
// watch each other in 960x540 windows (tiles that want 360p at most). Alice (1280x720, no camera)
// watches them in three layouts, `seconds` each after a settle:
//   grid:         the three tiles side by side,
//   one large:    Bob pinned on the stage, Carol and Dave on the filmstrip,
//   small window: Alice's window at 640x360, which holds one small tile a page (the others are
//                 paused, in both columns: the baseline switches off layers, not pausing).
// (At 640x360 the senders' own pages showed one tile a page too, so most of what they received
// was paused; hence 960x540.)
// Printed per layout: Alice's received video kbit/s (all three cameras, inbound-rtp bytes), the
// frame heights she decodes, and the video the three senders send (outbound-rtp bytes: what
// dynacast lets them stop). Adaptation off: every page's `set-consumer-layers` asks for the top
// layer (rewritten in the page before it is sent), so every consumer gets the top layer and no
// publisher is ever told to stop one; `pause-consumer` for tiles off the page still goes. Runs inside a loopback-only namespace, like the browser suites.
import { parseArgs } from "node:util";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../e2e/support/browser.ts";
import { CallPage } from "../e2e/support/call-page.ts";
import { networkStats, trackPeerConnections } from "../network/support/rtc-stats.ts";
import { rerunBenchInNamespace } from "../support/browser-suite.ts";
import { startSfuEdge } from "../support/edge.ts";
import { insideNamespace } from "../support/netns.ts";
import { stopAllChildren } from "../support/processes.ts";
import { summary } from "./harness.ts";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "2" },
    seconds: { type: "string", default: "10" },
    resolution: { type: "string", default: "720p" },
  },
});
const RUNS = Math.max(1, Number(args.runs) || 2);
const SECONDS = Math.max(3, Number(args.seconds) || 10);
const RESOLUTION = args.resolution === "360p" ? "360p" : "720p";
const SENDERS = ["Bob", "Carol", "Dave"] as const;
const LAYOUTS = ["grid", "one large", "small window"] as const;
type Layout = (typeof LAYOUTS)[number];
/** After a layout change: the client's debounce, dynacast's, and the encoders' ramp. */
const SETTLE_MS = 4000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Measure {
  receivedKbps: number;
  sentKbps: number;
  /** What Alice decodes of each sender, e.g. "Bob 720, Carol 180, Dave 180". */
  heights: string;
}

/** In the page, before the app loads: every `set-consumer-layers` asks for the top layer. */
function adaptationOff(): void {
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, data: Parameters<WebSocket["send"]>[0]) {
    if (typeof data === "string" && data.includes('"set-consumer-layers"')) {
      const message = JSON.parse(data) as { type: string; data: { spatialLayer: number } };
      if (message.type === "set-consumer-layers") {
        message.data.spatialLayer = 3; // above any producer's top: the node gives the top one
        return send.call(this, JSON.stringify(message));
      }
    }
    return send.call(this, data);
  };
}

/** Video bytes the page has sent so far (every outbound-rtp of kind video, all encodings). */
function bytesSent(page: Page): Promise<number> {
  return page.evaluate(async () => {
    let total = 0;
    for (const pc of (window as unknown as { __networkPcs?: RTCPeerConnection[] }).__networkPcs ?? []) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((r: { type: string; kind?: string; bytesSent?: number }) => {
        if (r.type === "outbound-rtp" && r.kind === "video") total += r.bytesSent ?? 0;
      });
    }
    return total;
  });
}

async function bytesReceived(page: Page): Promise<number> {
  const stats = await networkStats(page);
  return stats.video.reduce((sum, v) => sum + v.bytesReceived, 0);
}

async function open(browser: Browser, edgeUrl: string, room: string, name: string, off: boolean) {
  const sender = name !== "Alice";
  const call = await CallPage.open(browser, edgeUrl, room, name, {
    camera: sender,
    navigate: false,
    resolution: RESOLUTION,
    viewport: sender ? { width: 960, height: 540 } : { width: 1280, height: 720 },
  });
  await trackPeerConnections(call.context);
  if (off) await call.context.addInitScript(adaptationOff);
  await call.page.goto(`${edgeUrl}/?room=${encodeURIComponent(room)}`);
  return call;
}

async function measure(alice: CallPage, senders: CallPage[]): Promise<Measure> {
  const sent0 = await Promise.all(senders.map((s) => bytesSent(s.page)));
  const received0 = await bytesReceived(alice.page);
  const started = Date.now();
  await sleep(SECONDS * 1000);
  const received1 = await bytesReceived(alice.page);
  const sent1 = await Promise.all(senders.map((s) => bytesSent(s.page)));
  const seconds = (Date.now() - started) / 1000;
  const sent = sent1.reduce((sum, b, i) => sum + b - (sent0[i] ?? 0), 0);
  const video = (await networkStats(alice.page)).video.filter((v) => v.source === "camera");
  const heights = SENDERS.map((name) => `${name} ${video.find((v) => v.user === name)?.frameHeight ?? "-"}`).join(", ");
  return {
    receivedKbps: ((received1 - received0) * 8) / seconds / 1000,
    sentKbps: (sent * 8) / seconds / 1000,
    heights,
  };
}

/** One call in a fresh room: the three layouts in turn. */
async function call(browser: Browser, edgeUrl: string, off: boolean): Promise<Record<Layout, Measure>> {
  const room = `bench-layers-${off ? "off" : "on"}-${Date.now().toString(36)}`;
  const pages: CallPage[] = [];
  try {
    for (const name of ["Alice", ...SENDERS]) pages.push(await open(browser, edgeUrl, room, name, off));
    const [alice, ...senders] = pages as [CallPage, ...CallPage[]];
    for (const s of senders) await s.page.locator(".preview video:not([hidden])").waitFor();
    for (const page of pages) await page.join();
    for (const page of pages) await page.expectDecoding(SENDERS.filter((n) => n !== page.name));
    const out = {} as Record<Layout, Measure>;
    await sleep(SETTLE_MS);
    out.grid = await measure(alice, senders);
    const pin = alice.page.getByRole("button", { name: "Pin Bob's video" });
    await pin.click();
    await sleep(SETTLE_MS);
    out["one large"] = await measure(alice, senders);
    await pin.click();
    await alice.page.setViewportSize({ width: 640, height: 360 });
    await sleep(SETTLE_MS);
    out["small window"] = await measure(alice, senders);
    return out;
  } finally {
    for (const page of pages) await page.close();
  }
}

async function main(): Promise<number> {
  if (!insideNamespace()) {
    const code = await rerunBenchInNamespace(import.meta.url);
    if (code !== null) return code;
    console.error("[bench] layers-bitrate.ts needs root and unshare (it runs Chromium in a private namespace)");
    return 1;
  }
  let browser: Browser | undefined;
  try {
    const sfu = await startSfuEdge({ MAX_PARTICIPANTS: "8" });
    if ("unavailable" in sfu) throw new Error(`no media node: ${sfu.unavailable}`);
    browser = await launchChromium("accept");
    const on: Record<Layout, Measure>[] = [];
    const off: Record<Layout, Measure>[] = [];
    // Alternate so that drifting load hits both alike.
    for (let i = 0; i < RUNS; i++) {
      on.push(await call(browser, sfu.edge.url, false));
      off.push(await call(browser, sfu.edge.url, true));
    }
    const median = (runs: Record<Layout, Measure>[], layout: Layout, key: "receivedKbps" | "sentKbps") =>
      summary(runs.map((r) => r[layout][key])).p50;
    console.log(
      `\n4-person SFU call: Bob, Carol, Dave send a ${RESOLUTION} camera; Alice (1280x720, no camera) watches; medians of ${RUNS} runs, ${SECONDS} s each`,
    );
    console.log(
      `${"layout".padEnd(13)}${"Alice receives kbit/s ours / off".padStart(34)}${"ratio".padStart(8)}${"senders send kbit/s ours / off".padStart(33)}${"ratio".padStart(8)}   heights Alice decodes (ours | off, last run)`,
    );
    for (const layout of LAYOUTS) {
      const r = [median(on, layout, "receivedKbps"), median(off, layout, "receivedKbps")] as const;
      const s = [median(on, layout, "sentKbps"), median(off, layout, "sentKbps")] as const;
      console.log(
        `${layout.padEnd(13)}${`${r[0].toFixed(0)} / ${r[1].toFixed(0)}`.padStart(34)}${`${(r[0] / r[1]).toFixed(2)}x`.padStart(8)}${`${s[0].toFixed(0)} / ${s[1].toFixed(0)}`.padStart(33)}${`${(s[0] / s[1]).toFixed(2)}x`.padStart(8)}   ${on.at(-1)?.[layout].heights} | ${off.at(-1)?.[layout].heights}`,
      );
    }
    console.log(`every run: ${JSON.stringify({ on, off })}`);
    return 0;
  } finally {
    await browser?.close();
    await stopAllChildren();
  }
}

process.exit(await main());
