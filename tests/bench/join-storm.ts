// Join storm: N synthetic WebRTC participants (tests/support/synthetic-participant.ts: werift under
// mediasoup-client, real ICE/DTLS/SRTP) join one room at once through the edge (`wrangler dev`)
// and a media node, each sending audio and video; printed: the time until each receives both
// from every other (p50/p99/max from the storm's start), client messages and edge-to-node calls
// per join, the media node's CPU per participant; beside the same storm answered in-process by
// mediasoup itself (tests/bench/local-sfu.ts), with ratios.
//   node tests/bench/join-storm.ts [--sizes 10,25,50] [--audio-rate 10] [--video-fps 5] [--calls-in-flight 0]
//     [--hold-ms 0] [--direct] [--threads 2]
// (--threads: worker threads the participants are spread over, for both sides; 1 runs them all in
//  this one, as before 2026-12-04: fifty of them then saturate it on their own)
// (--direct: the participants' sockets go straight to the worker's workerd, past wrangler dev's proxy)
// (edge-to-node calls = requests the node answered on peer routes and batches; probes are the room's)
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type LoadResponse, mediaPaths as p, signedFetch } from "@huddle/protocol";
import * as mediasoup from "mediasoup";
import { MEDIA_CODECS } from "../../media-node/src/codecs.ts";
import { startEdge } from "../support/edge.ts";
import { joinStorm, joinStormThreaded, nodeRequests, type StormResult } from "../support/join-storm.ts";
import { startTestMediaNode } from "../support/media-nodes.ts";
import { EdgeSignaling } from "../support/synthetic-participant.ts";
import { directWorkerUrl } from "./edge-direct.ts";
import { runBench, summary } from "./harness.ts";
import { LocalRoom } from "./local-sfu.ts";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "10,25,50" },
    "audio-rate": { type: "string", default: "10" },
    "video-fps": { type: "string", default: "5" },
    /** The edge's MEDIA_NODE_CALLS_IN_FLIGHT: 0 sends every node call alone (no gathering), as before batches. */
    "calls-in-flight": { type: "string" },
    /** The edge's MEDIA_NODE_HOLD_MS: 0 sends each expected consume and resume as it comes (no holding). */
    "hold-ms": { type: "string" },
    /** Open the participants' sockets on the worker's own workerd listener, not wrangler dev's proxy. */
    direct: { type: "boolean", default: false },
    threads: { type: "string", default: "2" },
  },
});
const SIZES = args.sizes.split(",").map(Number);
const THREADS = Number(args.threads);
const MEDIA = { audioRate: Number(args["audio-rate"]), videoFps: Number(args["video-fps"]), timeoutMs: 240_000 };

/** CPU time of a process (all its threads), in ms. */
function cpuMs(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // The thread exited meanwhile.
    }
  }
  return total / 1e6;
}

type Figures = { storm: StormResult; nodeCpuMs?: number; workerCpuMs: number; nodeCalls?: number };

const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));

async function main(): Promise<void> {
  const secret = randomBytes(16).toString("hex");
  const echo = process.env.HUDDLE_STORM_ECHO === "1";
  // Echoed, the node also says which transports it closed by failure (info: ICE disconnected, DTLS).
  const media = await startTestMediaNode("media-node", secret, {
    echo,
    ...(echo ? { env: { MEDIA_NODE_LOG_LEVEL: "info" } } : {}),
  });
  const edge = await startEdge(
    "bench-storm",
    {
      MEDIA_NODES: media.url,
      MEDIA_NODE_SECRET: secret,
      RATE_BURST: "100000",
      RATE_PER_SECOND: "100000",
      ...(args["calls-in-flight"] === undefined ? {} : { MEDIA_NODE_CALLS_IN_FLIGHT: args["calls-in-flight"] }),
      ...(args["hold-ms"] === undefined ? {} : { MEDIA_NODE_HOLD_MS: args["hold-ms"] }),
    },
    { privateAssets: true, echo },
  );
  const wsUrl = (args.direct ? await directWorkerUrl(edge) : edge.url).replace(/^http/, "ws");
  const load = async () => (await (await signedFetch(secret, new URL(p.load, media.url))).json()) as LoadResponse;
  const nodePid = media.child.process.pid ?? 0;
  const workerPid = (await load()).workers[0]?.pid ?? 0;

  const worker = await mediasoup.createWorker({ logLevel: "warn", disableLiburing: true });
  const server = await worker.createWebRtcServer({
    listenInfos: [
      { protocol: "udp", ip: "127.0.0.1", port: 0 },
      { protocol: "tcp", ip: "127.0.0.1", port: 0 },
    ],
  });

  const rows: { n: number; ours: Figures; base: Figures }[] = [];
  const failures: string[] = [];
  try {
    for (const n of SIZES) {
      // Each side runs whether or not the other completed: when ours fails, whether the same storm
      // completes in-process tells a limit of ours from one of the synthetic participants.
      let ours: Figures | undefined;
      let base: Figures | undefined;
      try {
        // ours: through the edge and the media node
        const room = `storm-${n}-${Date.now().toString(36)}`;
        const calls0 = await nodeRequests(media.url, secret);
        const node0 = cpuMs(nodePid);
        const worker0 = cpuMs(workerPid);
        const storm =
          THREADS > 1
            ? await joinStormThreaded(n, room, THREADS, { wsUrl }, MEDIA)
            : await joinStorm(n, room, () => EdgeSignaling.open(wsUrl, room), MEDIA);
        ours = {
          storm,
          nodeCpuMs: cpuMs(nodePid) - node0,
          workerCpuMs: cpuMs(workerPid) - worker0,
          nodeCalls: (await nodeRequests(media.url, secret)) - calls0,
        };
        await storm.close();
      } catch (error) {
        // A size that does not complete is a result too: printed, and the run fails at the end.
        failures.push(`N=${n} (ours): ${(error as Error).message.slice(0, 4000)}`);
      }
      await settle();
      try {
        // base: the same storm answered by mediasoup in-process
        const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
        const local = new LocalRoom(router, server);
        const w0 = cpuMs(worker.pid);
        try {
          const baseStorm =
            THREADS > 1
              ? await joinStormThreaded(n, "local", THREADS, { connect: () => local.connect() }, MEDIA)
              : await joinStorm(n, "local", async () => local.connect(), MEDIA);
          base = { storm: baseStorm, workerCpuMs: cpuMs(worker.pid) - w0 };
          await baseStorm.close();
        } finally {
          router.close();
          local.close();
        }
      } catch (error) {
        failures.push(`N=${n} (base, in-process): ${(error as Error).message.slice(0, 4000)}`);
      }
      await settle();
      if (ours !== undefined && base !== undefined) rows.push({ n, ours, base });
      else if (base !== undefined) {
        const b = summary(base.storm.complete);
        failures.push(`N=${n}: the in-process baseline completed (p50 ${b.p50.toFixed(0)} ms), ours did not`);
      }
      console.error(`storm of ${n}: ours ${ours ? "done" : "failed"}, base ${base ? "done" : "failed"}`);
    }
  } finally {
    worker.close();
    await edge.stop();
    await media.stop();
  }

  const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "-");
  console.log(
    `\njoin storm: N synthetic participants (werift + mediasoup-client, over ${THREADS} thread${THREADS === 1 ? "" : "s"}) join one room at once, each sending audio (${MEDIA.audioRate} packets/s) and video (${MEDIA.videoFps} fps, a key frame each second);`,
  );
  console.log(
    `time = from the storm's start until a participant receives RTP of both kinds from every other; ours = edge (${args.direct ? "workerd, past wrangler dev's proxy" : "wrangler dev"}) + media node, base = mediasoup in-process\n`,
  );
  const header = [
    "N",
    "p50 ms ours/base",
    "p99 ms ours/base",
    "max ms ours/base",
    "ratio p50/max",
    "msgs per join ours/base",
    "node calls per join",
    "node CPU ms per participant",
    "worker CPU ms per participant ours/base",
  ];
  const lines = rows.map(({ n, ours, base }) => {
    const o = summary(ours.storm.complete);
    const b = summary(base.storm.complete);
    const oMax = Math.max(...ours.storm.complete);
    const bMax = Math.max(...base.storm.complete);
    return [
      String(n),
      `${f(o.p50)} / ${f(b.p50)}`,
      `${f(o.p99)} / ${f(b.p99)}`,
      `${f(oMax)} / ${f(bMax)}`,
      `${(o.p50 / b.p50).toFixed(2)}x / ${(oMax / bMax).toFixed(2)}x`,
      `${f(summary(ours.storm.messages).mean, 1)} / ${f(summary(base.storm.messages).mean, 1)}`,
      f((ours.nodeCalls ?? 0) / n, 1),
      f((ours.nodeCpuMs ?? 0) / n, 1),
      `${f(ours.workerCpuMs / n, 1)} / ${f(base.workerCpuMs / n, 1)}`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const l of lines) console.log(line(l));
  for (const failure of failures) console.log(`\nFAILED ${failure}`);
  if (failures.length > 0) throw new Error(`${failures.length} storm size(s) did not complete`);
}

await runBench("join-storm", main, 25 * 60_000);
