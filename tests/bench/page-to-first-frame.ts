/// <reference lib="dom" />
// Benchmark: page load to first remote video frame decoded, in real headless Chromium.
//
//   node tests/bench/page-to-first-frame.ts [runs]        (default 7 runs per path, at least 5)
//
// For each run a fresh room: one person is already in the call; a second page is opened at
// the room's link, its lobby is filled in and "Join call" pressed as soon as it can be, and
// the time from navigation start to the first decoded frame of the other person's camera
// (`framesDecoded > 0` in inbound-rtp, polled inside the page every 5 ms) is recorded.
// Paths: mesh (edge without a media node), SFU (when a media node serves the room).
// Baseline, same browser, same run: a page that opens the fake camera and sends it over two
// RTCPeerConnections inside the page (no server, no signaling), to its first decoded frame.
// Runs inside a loopback-only network namespace when root, like the e2e suites.
// HUDDLE_BENCH_SFU_URL=<edge> measures the SFU path on an edge that is already running.
// (The DOM lib reference above types the functions that run inside the page.)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { launchChromium } from "../e2e/support/browser.ts";
import { CallPage } from "../e2e/support/call-page.ts";
import { startEdge, startSfuEdge } from "../support/edge.ts";
import { insideNamespace, runInLoopbackNamespace } from "../support/netns.ts";
import { REPO_ROOT, WEB_DIST } from "../support/paths.ts";
import { stopAllChildren } from "../support/processes.ts";

const runs = Math.max(5, Number(process.argv[2] ?? 7) || 7);

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

interface CallRun {
  total: number;
  /** Navigation start to the press of "Join call" (lobby, camera preview). */
  lobby: number;
}

async function callRun(browser: Browser, edgeUrl: string, mode: "mesh" | "sfu", index: number): Promise<CallRun> {
  const room = `bench-${mode}-${Date.now().toString(36)}-${index}`;
  const host = await CallPage.open(browser, edgeUrl, room, "Host");
  const guest = await CallPage.open(browser, edgeUrl, room, "Guest", { navigate: false });
  try {
    await host.join();
    const actual = await host.mode();
    if (actual !== mode) throw new Error(`expected a ${mode} call, the page is in ${actual}`);
    await guest.page.goto(host.page.url());
    await guest.page.getByLabel("Your name").fill("Guest");
    const join = guest.page.getByRole("button", { name: "Join call" });
    await join.click();
    const lobby = await guest.page.evaluate(() => performance.now());
    const total = await guest.page.evaluate(async () => {
      for (;;) {
        const stats = (await window.__huddle?.inboundVideo()) ?? [];
        if (stats.some((s) => s.user === "Host" && s.source === "camera" && s.framesDecoded > 0)) {
          return performance.now();
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });
    return { total, lobby };
  } finally {
    await guest.close();
    await host.close();
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

async function main(): Promise<number> {
  if (!insideNamespace()) {
    if (!existsSync(join(WEB_DIST, "index.html"))) {
      const build = spawnSync("npm", ["run", "build", "-w", "web"], { cwd: REPO_ROOT, stdio: "inherit" });
      if (build.status !== 0) return 1;
    }
    const code = await runInLoopbackNamespace(fileURLToPath(import.meta.url), process.argv.slice(2));
    if (code !== null) return code;
    console.warn("[bench] WARNING: no loopback-only network namespace (not root or no unshare): running directly");
  }
  const { server, url: baselineUrl } = await serveBaseline();
  let browser: Browser | undefined;
  try {
    const mesh = await startEdge("bench-mesh", {});
    // HUDDLE_BENCH_SFU_URL: measure the SFU path on an edge that is already running instead.
    const external = process.env.HUDDLE_BENCH_SFU_URL;
    const sfu = external !== undefined ? { edge: { url: external } } : await startSfuEdge();
    browser = await launchChromium("accept");
    const paths: { name: string; run: () => Promise<CallRun> }[] = [
      { name: "mesh", run: () => callRun(browser as Browser, mesh.url, "mesh", 0) },
    ];
    let sfuNote = "";
    if ("edge" in sfu) {
      const sfuUrl = sfu.edge.url;
      // Only when the edge really puts the call on the SFU (`joined` carries `sfu`).
      try {
        await callRun(browser, sfuUrl, "sfu", -1);
        paths.push({ name: "sfu", run: () => callRun(browser as Browser, sfuUrl, "sfu", 0) });
      } catch (error) {
        sfuNote = `SFU: not measured (${(error as Error).message})`;
      }
    } else sfuNote = `SFU: not measured (${sfu.unavailable})`;

    // Warm-up (first Chromium renderer, first wrangler request): not counted.
    await baselineRun(browser, baselineUrl);
    await callRun(browser, mesh.url, "mesh", -2);

    const baseline: number[] = [];
    const results = new Map<string, CallRun[]>(paths.map((p) => [p.name, []]));
    for (let i = 0; i < runs; i++) {
      baseline.push(await baselineRun(browser, baselineUrl));
      for (const path of paths) results.get(path.name)?.push(await path.run());
    }

    const base = summary(baseline);
    console.log(`\npage load -> first remote video frame decoded (headless Chromium, fake camera, ${runs} runs each)`);
    console.log(`${"path".padEnd(44)}  median       p99       min`);
    console.log(
      `${"baseline: 2 RTCPeerConnections in one page".padEnd(44)}${ms(base.median)}  ${ms(base.p99)}  ${ms(base.min)}`,
    );
    for (const [name, list] of results) {
      const total = summary(list.map((r) => r.total));
      const lobby = summary(list.map((r) => r.lobby));
      const call = summary(list.map((r) => r.total - r.lobby));
      console.log(
        `${`huddle ${name} (load + lobby + join + media)`.padEnd(44)}${ms(total.median)}  ${ms(total.p99)}  ${ms(total.min)}   ratio ${(total.median / base.median).toFixed(2)}x baseline`,
      );
      console.log(`${"  of which: load + lobby until Join".padEnd(44)}${ms(lobby.median)}`);
      console.log(`${"  of which: Join -> first frame".padEnd(44)}${ms(call.median)}`);
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
