/// <reference lib="dom" />
// Benchmark: page load to first remote video frame decoded, in real headless Chromium.
//
//   node tests/bench/page-to-first-frame.ts [runs] [--sizes 2,4] [--lobby-ms N]   (default 7 runs per path and size, at least 5)
//
// For each run a fresh room: N-1 people are already in the call; one more page is opened at
// the room's link, its lobby is filled in and "Join call" pressed as soon as the page lets it
// (the name field is typed into the moment it is on screen, not after the load event), and the
// time from navigation start to the first decoded frame of the others' cameras (`framesDecoded > 0`
// in inbound-rtp, polled inside the page every 5 ms) is recorded: of the first one, and (N > 2) of
// the last one. Paths: mesh (edge without a media node), SFU (when a media node serves the room).
// Where the time goes, as medians from navigation start: the page's load events and the
// client's own marks (`huddle:*` performance marks: lobby rendered, camera preview ready, Join
// pressed), then what the page did on the wire and in WebRTC, seen by a probe the benchmark adds to
// the page (it wraps WebSocket and RTCPeerConnection, changing nothing): join-room sent, joined
// received, first peer connection created (transport set-up), ICE connected, DTLS connected
// (connectionState "connected"), first frame decoded (the first decoded frame is a key frame).
// Baseline, same browser, same run: a page that opens the fake camera and sends it over two
// RTCPeerConnections inside the page (no server, no signaling), to its first decoded frame.
// Runs inside a loopback-only network namespace when root, like the e2e suites.
// HUDDLE_BENCH_SFU_URL=<edge> measures the SFU path on an edge that is already running.
// (The DOM lib reference above types the functions that run inside the page.)
import { createServer, type Server } from "node:http";
import type { Browser } from "playwright-core";
import { launchChromium } from "../e2e/support/browser.ts";
import { CallPage } from "../e2e/support/call-page.ts";
import { rerunBenchInNamespace } from "../support/browser-suite.ts";
import { startEdge, startSfuEdge } from "../support/edge.ts";
import { insideNamespace } from "../support/netns.ts";
import { stopAllChildren } from "../support/processes.ts";

const positional = process.argv
  .slice(2)
  .filter((arg, i, all) => !arg.startsWith("--") && all[i - 1] !== "--sizes" && all[i - 1] !== "--lobby-ms");
const runs = Math.max(5, Number(positional[0] ?? 7) || 7);
const sizesArg = process.argv.indexOf("--sizes");
const SIZES = (sizesArg > 0 ? String(process.argv[sizesArg + 1]) : "2,4")
  .split(",")
  .map(Number)
  .filter((n) => Number.isInteger(n) && n >= 2);
const lobbyArg = process.argv.indexOf("--lobby-ms");
/**
 * How long the joiner looks at the lobby before pressing Join, from when the page lets it
 * (default 0: at once). A person takes a second or more: what the lobby gets ready meanwhile
 * (the room preview, the media device) shows in "Join pressed -> first remote frame", printed
 * for every path.
 */
const LOBBY_MS = lobbyArg > 0 ? Math.max(0, Number(process.argv[lobbyArg + 1]) || 0) : 0;
/** Enough room for the largest size (the SFU suite's edge allows 3). */
const MAX_PARTICIPANTS = String(Math.max(...SIZES, 3));

const BASELINE_PAGE = `<!doctype html><meta charset="utf-8"><title>baseline</title><script>
window.firstFrame = (async () => {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24, max: 30 } },
  });
  const a = new RTCPeerConnection(), b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  for (const track of stream.getTracks()) a.addTrack(track, stream);
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription);
  for (;;) {
    let frames = 0;
    (await b.getStats()).forEach((r) => { if (r.type === "inbound-rtp" && r.kind === "video") frames = r.framesDecoded || 0; });
    if (frames > 0) return performance.now();
    await new Promise((r) => setTimeout(r, 5));
  }
})();
</script>`;

function serveBaseline(): Promise<{ server: Server; url: string }> {
  const server = createServer((_request, response) => {
    response.setHeader("content-type", "text/html; charset=utf-8");
    response.end(BASELINE_PAGE);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}/` });
    });
  });
}

async function baselineRun(browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url);
    return await page.evaluate(() => (window as unknown as { firstFrame: Promise<number> }).firstFrame);
  } finally {
    await context.close();
  }
}

/** What the probe records in the page: the first time of each event, ms since navigation start. */
type Probe = Record<string, number>;

declare global {
  interface Window {
    __benchProbe?: Probe;
  }
}

/**
 * Added to the joining page before its scripts run: it records when the page first sent or
 * received each message type, created a peer connection, and saw ICE and DTLS connected. It
 * only observes: every call goes to the browser's own WebSocket and RTCPeerConnection.
 */
function installProbe(): void {
  const probe: Record<string, number> = {};
  window.__benchProbe = probe;
  const first = (name: string) => {
    probe[name] ??= performance.now();
  };
  const typeOf = (data: unknown): string | undefined => {
    if (typeof data !== "string" || !data.startsWith("{")) return undefined;
    try {
      return (JSON.parse(data) as { type?: string }).type;
    } catch {
      return undefined;
    }
  };
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      first("ws-created");
      this.addEventListener("open", () => first("ws-open"));
      this.addEventListener("message", (event) => {
        const type = typeOf(event.data);
        if (type !== undefined) first(`recv:${type}`);
      });
    }
    override send(data: Parameters<WebSocket["send"]>[0]): void {
      const type = typeOf(data);
      if (type !== undefined) first(`send:${type}`);
      super.send(data);
    }
  };
  const NativePeerConnection = window.RTCPeerConnection;
  let connected = 0;
  window.RTCPeerConnection = class extends NativePeerConnection {
    constructor(config?: RTCConfiguration) {
      super(config);
      first("pc-created");
      this.addEventListener("iceconnectionstatechange", () => {
        if (this.iceConnectionState === "connected" || this.iceConnectionState === "completed") first("ice-connected");
      });
      this.addEventListener("connectionstatechange", () => {
        if (this.connectionState !== "connected") return;
        first("dtls-connected");
        probe[`dtls-connected-${++connected}`] = performance.now();
      });
      this.addEventListener("track", (event) => {
        if (event.track.kind === "video") first("video-track");
      });
    }
  } as typeof RTCPeerConnection;
}

interface CallRun {
  /** Navigation start to the first decoded frame of one of the others. */
  first: number;
  /** ... of the last of them (the same as `first` with two participants). */
  all: number;
  /** When each phase was first reached, ms since navigation start. */
  phases: Record<string, number>;
}

const OTHERS = ["Host", "Pat", "Sam", "Kim", "Lee", "Max"];

async function callRun(
  browser: Browser,
  edgeUrl: string,
  mode: "mesh" | "sfu",
  size: number,
  index: number,
): Promise<CallRun> {
  const room = `bench-${mode}-${size}-${Date.now().toString(36)}-${index}`;
  const names = OTHERS.slice(0, size - 1);
  const others: CallPage[] = [];
  const guest = await CallPage.open(browser, edgeUrl, room, "Guest", { navigate: false });
  try {
    for (const name of names) {
      const page = await CallPage.open(browser, edgeUrl, room, name);
      others.push(page);
      await page.join();
    }
    const actual = await (others[0] as CallPage).mode();
    if (actual !== mode) throw new Error(`expected a ${mode} call, the page is in ${actual}`);
    await guest.context.addInitScript(installProbe);
    // As soon as the document arrives: the name field is filled the moment it is on screen.
    await guest.page.goto(`${edgeUrl}/?room=${encodeURIComponent(room)}`, { waitUntil: "commit" });
    await guest.page.getByLabel("Your name").fill("Guest");
    if (LOBBY_MS > 0) {
      await guest.page.getByRole("button", { name: "Join call" }).waitFor();
      await guest.page.waitForTimeout(LOBBY_MS);
    }
    await guest.page.getByRole("button", { name: "Join call" }).click();
    const frames = await guest.page.evaluate(async (users: string[]) => {
      const seen = new Map<string, number>();
      for (;;) {
        const stats = (await window.__huddle?.inboundVideo()) ?? [];
        for (const s of stats) {
          if (s.source === "camera" && s.framesDecoded > 0 && users.includes(s.user) && !seen.has(s.user)) {
            seen.set(s.user, performance.now());
          }
        }
        if (seen.size === users.length) return [...seen.values()];
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }, names);
    const phases = await guest.page.evaluate(() => {
      const out: Record<string, number> = { ...(window.__benchProbe ?? {}) };
      const [nav] = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
      if (nav !== undefined) {
        out.response = nav.responseEnd;
        out.domContentLoaded = nav.domContentLoadedEventEnd;
        out.load = nav.loadEventEnd;
      }
      for (const mark of performance.getEntriesByType("mark")) {
        if (mark.name.startsWith("huddle:")) out[mark.name] ??= mark.startTime;
      }
      return out;
    });
    return { first: Math.min(...frames), all: Math.max(...frames), phases };
  } finally {
    await guest.close();
    for (const page of others) await page.close();
  }
}

function quantile(sorted: number[], q: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

function summary(values: number[]): { median: number; p99: number; min: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), min: sorted[0] ?? Number.NaN };
}

const ms = (n: number) => `${Math.round(n)} ms`.padStart(8);

/** The phases printed, in the order of their medians (those a run never reached are left out). */
const PHASES: { key: string; label: string }[] = [
  { key: "response", label: "page: HTML received" },
  { key: "domContentLoaded", label: "page: DOMContentLoaded" },
  { key: "huddle:lobby-rendered", label: "lobby rendered (usable)" },
  { key: "load", label: "page: load event" },
  { key: "huddle:join-pressed", label: "Join pressed" },
  { key: "huddle:lobby-media-ready", label: "lobby: camera preview ready" },
  { key: "huddle:lobby-router-known", label: "lobby: room preview names the router" },
  { key: "ws-open", label: "signaling: socket open" },
  { key: "send:join-room", label: "signaling: join-room sent" },
  { key: "recv:joined", label: "signaling: joined received" },
  { key: "send:create-transport", label: "SFU: create-transport sent" },
  { key: "recv:webRtcTransportCreated", label: "SFU: transport created" },
  { key: "recv:webrtc-offer", label: "mesh: offer received" },
  { key: "send:webrtc-offer", label: "mesh: offer sent" },
  { key: "pc-created", label: "WebRTC: first peer connection" },
  { key: "send:consume-many", label: "SFU: consume-many sent" },
  { key: "send:consume", label: "SFU: consume sent" },
  { key: "recv:consumed", label: "SFU: first consumed" },
  { key: "send:resume-consumers", label: "SFU: resume-consumers sent" },
  { key: "send:resume-consumer", label: "SFU: resume-consumer sent" },
  { key: "video-track", label: "WebRTC: first remote video track" },
  { key: "ice-connected", label: "ICE connected" },
  { key: "dtls-connected", label: "DTLS connected" },
];

function printRun(name: string, size: number, list: CallRun[], baseline: number): void {
  const first = summary(list.map((r) => r.first));
  const all = summary(list.map((r) => r.all));
  console.log(
    `${`huddle ${name}, ${size} people: first remote frame`.padEnd(46)}${ms(first.median)}  ${ms(first.p99)}  ${ms(first.min)}   ratio ${(first.median / baseline).toFixed(2)}x baseline`,
  );
  if (size > 2) {
    console.log(
      `${`  frames from all ${size - 1} others`.padEnd(46)}${ms(all.median)}  ${ms(all.p99)}  ${ms(all.min)}   ratio ${(all.median / baseline).toFixed(2)}x baseline`,
    );
  }
  const fromJoin = list.flatMap((r) => {
    const pressed = r.phases["huddle:join-pressed"];
    return pressed === undefined ? [] : [r.first - pressed];
  });
  if (fromJoin.length > 0) {
    const join = summary(fromJoin);
    console.log(
      `${"  Join pressed -> first remote frame".padEnd(46)}${ms(join.median)}  ${ms(join.p99)}  ${ms(join.min)}`,
    );
  }
  console.log("  where the time goes (median ms since navigation start, and since the phase before):");
  const reached = PHASES.flatMap(({ key, label }) => {
    const values = list.map((r) => r.phases[key]).filter((v): v is number => v !== undefined);
    return values.length === 0 ? [] : [{ label, at: summary(values).median }];
  }).sort((a, b) => a.at - b.at);
  let previous = 0;
  for (const { label, at } of reached) {
    console.log(`    ${label.padEnd(40)}${ms(at)}  ${`+${Math.round(at - previous)}`.padStart(6)}`);
    previous = at;
  }
  console.log(
    `    ${"first remote frame decoded".padEnd(40)}${ms(first.median)}  ${`+${Math.round(first.median - previous)}`.padStart(6)}`,
  );
}

async function main(): Promise<number> {
  if (!insideNamespace()) {
    const code = await rerunBenchInNamespace(import.meta.url);
    if (code !== null) return code;
    console.warn("[bench] WARNING: no loopback-only network namespace (not root or no unshare): running directly");
  }
  const { server, url: baselineUrl } = await serveBaseline();
  let browser: Browser | undefined;
  try {
    const mesh = await startEdge("bench-mesh", { MAX_PARTICIPANTS });
    // HUDDLE_BENCH_SFU_URL: measure the SFU path on an edge that is already running instead.
    const external = process.env.HUDDLE_BENCH_SFU_URL;
    const sfu = external !== undefined ? { edge: { url: external } } : await startSfuEdge({ MAX_PARTICIPANTS });
    browser = await launchChromium("accept");
    const paths: { name: string; run: (size: number) => Promise<CallRun> }[] = [
      { name: "mesh", run: (size) => callRun(browser as Browser, mesh.url, "mesh", size, 0) },
    ];
    let sfuNote = "";
    if ("edge" in sfu) {
      const sfuUrl = sfu.edge.url;
      // Only when the edge really puts the call on the SFU (`joined` carries `sfu`).
      try {
        await callRun(browser, sfuUrl, "sfu", 2, -1);
        paths.push({ name: "sfu", run: (size) => callRun(browser as Browser, sfuUrl, "sfu", size, 0) });
      } catch (error) {
        sfuNote = `SFU: not measured (${(error as Error).message})`;
      }
    } else sfuNote = `SFU: not measured (${sfu.unavailable})`;

    // Warm-up (first Chromium renderer, first wrangler request): not counted.
    await baselineRun(browser, baselineUrl);
    await callRun(browser, mesh.url, "mesh", 2, -2);

    const baseline: number[] = [];
    const results = new Map<string, CallRun[]>();
    for (let i = 0; i < runs; i++) {
      baseline.push(await baselineRun(browser, baselineUrl));
      for (const size of SIZES) {
        for (const path of paths) {
          const key = `${path.name}:${size}`;
          if (!results.has(key)) results.set(key, []);
          results.get(key)?.push(await path.run(size));
        }
      }
    }

    const base = summary(baseline);
    const pause = LOBBY_MS > 0 ? `; Join pressed ${LOBBY_MS} ms after the lobby let it, so read "Join pressed ->"` : "";
    console.log(
      `\npage load -> first remote video frame decoded (headless Chromium, fake camera, ${runs} runs each${pause})`,
    );
    console.log(`${"path".padEnd(46)}  median       p99       min`);
    console.log(
      `${"baseline: 2 RTCPeerConnections in one page".padEnd(46)}${ms(base.median)}  ${ms(base.p99)}  ${ms(base.min)}`,
    );
    for (const [key, list] of results) {
      const [name, size] = key.split(":");
      printRun(name as string, Number(size), list, base.median);
    }
    if (sfuNote !== "") console.log(sfuNote);
    return 0;
  } finally {
    await browser?.close();
    server.close();
    await stopAllChildren();
  }
}

process.exit(await main());
