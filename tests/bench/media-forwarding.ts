// Forwarding and setup cost of the media node, beside the same load driven
// through mediasoup's API in-process (no HTTP layer): one VP8 producer at
// ~500 kbit/s fanned out to N consumers on one worker over PlainTransports on
// loopback. Prints worker CPU per consumer, packet loss and setup rate.
//
// Setup is measured twice: one consumer per peer (four calls per consumer: plain transport,
// connect, consume, resume), and as the edge sets up a joiner that finds --batch producers in the
// room (four calls per joiner: plain transport, connect, consume-many, resume-consumers); the
// in-process baseline does the same mediasoup calls for both.
//
//   node tests/bench/media-forwarding.ts [--levels 100,300,500] [--seconds 5] [--concurrency 8] [--repeats 3]
//     [--batch 10] (producers per joiner in the batched setup; 0: skip it)
//     [--setup-only] (no forwarding window) [--node-cpu-prof DIR]   (V8 CPU profile of the media node process, written to DIR when it stops)
//
// Each level runs --repeats times, alternating which side goes first; figures are medians over runs
// (CPU: median of per-second samples within a run).
import { createSocket, type Socket } from "node:dgram";
import { readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  type ConsumeManyResponse,
  type ConsumeResponse,
  type CreatePlainTransportResponse,
  type EnsureRoomResponse,
  type LoadResponse,
  type ProduceResponse,
  mediaPaths as p,
  type ResumeConsumersResponse,
} from "@huddle/protocol";
import type { types } from "mediasoup";
import * as mediasoup from "mediasoup";
import { MEDIA_CODECS } from "../../media-node/src/codecs.ts";
import { startTestMediaNode } from "../support/media-nodes.ts";
import { signedHttpClient } from "./signed-http.ts";

const { values: args } = parseArgs({
  options: {
    levels: { type: "string", default: "100,300,500" },
    seconds: { type: "string", default: "5" },
    concurrency: { type: "string", default: "8" },
    repeats: { type: "string", default: "3" },
    "node-cpu-prof": { type: "string" },
    "setup-only": { type: "boolean", default: false },
    batch: { type: "string", default: "10" },
  },
});
const LEVELS = args.levels.split(",").map(Number);
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const REPEATS = Number(args.repeats);
const BATCH = Number(args.batch);
/** Consumers per side in each of the two uncounted warm-up rounds. */
const WARM_UP = 100;
const SECRET = "bench-secret-0123456789abcdef";
const FPS = 30;
const PACKETS_PER_FRAME = 2;
const PAYLOAD_BYTES = 1040; // 2 x 1052-byte packets x 30 fps = ~505 kbit/s
const CONSUMERS_PER_SOCKET = 20;
const PRODUCER_SSRC = 424242;

// ---- measurement helpers ---------------------------------------------------

/** CPU time of a process (all its threads), in ns, from the scheduler's own accounting. */
function cpuNs(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // The thread exited meanwhile.
    }
  }
  return total;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

// ---- RTP sender and receivers ----------------------------------------------

/** VP8 RTP: descriptor with a 15-bit picture id, a key frame every second, and a packet index at a fixed offset. */
function vp8Packet(seq: number, frame: number, part: number, index: number): Buffer {
  const packet = Buffer.alloc(12 + PAYLOAD_BYTES);
  const last = part === PACKETS_PER_FRAME - 1;
  packet[0] = 0x80;
  packet[1] = (last ? 0x80 : 0) | 96;
  packet.writeUInt16BE(seq & 0xffff, 2);
  packet.writeUInt32BE((frame * (90000 / FPS)) >>> 0, 4);
  packet.writeUInt32BE(PRODUCER_SSRC, 8);
  packet[12] = part === 0 ? 0x90 : 0x80; // X=1, S=1 on the first packet of a frame, partition 0
  packet[13] = 0x80; // I: picture id present
  packet.writeUInt16BE(0x8000 | (frame & 0x7fff), 14); // two-byte picture id
  const key = frame % FPS === 0;
  packet[16] = key ? 0x10 : 0x11; // VP8 payload header: inverse key frame bit
  if (key && part === 0) packet.set([0x9d, 0x01, 0x2a], 19);
  packet.writeUInt32BE(index, 24);
  return packet;
}

class Receivers {
  readonly sockets: Socket[] = [];
  windowStart = Number.POSITIVE_INFINITY;
  windowEnd = Number.POSITIVE_INFINITY;
  counted = 0;

  static async open(count: number): Promise<Receivers> {
    const r = new Receivers();
    for (let i = 0; i < count; i++) {
      const socket = createSocket("udp4");
      socket.on("message", (msg) => {
        const type = msg[1] ?? 0;
        if (msg.length < 28 || (type >= 192 && type <= 223)) return; // RTCP (RFC 5761 demultiplexing)
        const index = msg.readUInt32BE(24);
        if (index >= r.windowStart && index < r.windowEnd) r.counted++;
      });
      await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
      try {
        socket.setRecvBufferSize(4 * 1024 * 1024);
      } catch {}
      r.sockets.push(socket);
    }
    return r;
  }

  port(consumer: number): number {
    return (this.sockets[Math.floor(consumer / CONSUMERS_PER_SOCKET)] as Socket).address().port;
  }

  close(): void {
    for (const s of this.sockets) s.close();
  }
}

type Forwarding = { cpuMedian: number; cpuMax: number; loss: number; sentInWindow: number };

/** Sends at ~500 kbit/s for warm-up + SECONDS, sampling the worker's CPU each second of the window. */
async function forward(
  workerPid: number,
  sendPort: number,
  consumers: number,
  receivers: Receivers,
): Promise<Forwarding> {
  const sender = createSocket("udp4");
  await new Promise<void>((resolve) => sender.bind(0, "127.0.0.1", () => resolve()));
  let seq = 0;
  let frame = 0;
  let index = 0;
  const started = performance.now();
  let stop = false;
  const sending = (async () => {
    while (!stop) {
      const due = started + (frame * 1000) / FPS;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      for (let part = 0; part < PACKETS_PER_FRAME; part++) {
        sender.send(vp8Packet(seq++, frame, part, index++), sendPort, "127.0.0.1");
      }
      frame++;
    }
  })();
  await sleep(1500); // warm-up: every consumer has seen a key frame
  receivers.counted = 0;
  receivers.windowStart = index;
  const samples: number[] = [];
  let cpu = cpuNs(workerPid);
  let at = performance.now();
  for (let s = 0; s < SECONDS; s++) {
    await sleep(1000);
    const c = cpuNs(workerPid);
    const now = performance.now();
    samples.push(((c - cpu) / 1e6 / (now - at)) * 100);
    cpu = c;
    at = now;
  }
  receivers.windowEnd = index;
  await sleep(300); // stragglers
  stop = true;
  await sending;
  sender.close();
  const sentInWindow = receivers.windowEnd - receivers.windowStart;
  const expected = sentInWindow * consumers;
  const loss = expected > 0 ? Math.max(0, 1 - receivers.counted / expected) : 0;
  receivers.windowStart = receivers.windowEnd = Number.POSITIVE_INFINITY;
  return { cpuMedian: median(samples), cpuMax: Math.max(...samples), loss, sentInWindow };
}

const NO_FORWARDING: Forwarding = { cpuMedian: Number.NaN, cpuMax: Number.NaN, loss: Number.NaN, sentInWindow: 0 };

type LevelResult = {
  setupPerSecond: number;
  setupMedianMs: number;
  setupP99Ms: number;
  /** CPU of the process driving mediasoup (our node; the bench itself in-process), per consumer set up. */
  setupNodeCpuMs: number;
  /** CPU of the mediasoup worker per consumer set up. */
  setupWorkerCpuMs: number;
} & Forwarding;

const VP8_PARAMETERS = {
  codecs: [{ mimeType: "video/VP8", payloadType: 96, clockRate: 90000 }],
  encodings: [{ ssrc: PRODUCER_SSRC }],
};

// ---- ours: the media node over HTTP, as a child process --------------------

async function startNodeProcess(): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const env: NodeJS.ProcessEnv = { MEDIA_NODE_ALLOW_PLAIN: "true" };
  const profileDir = args["node-cpu-prof"];
  if (profileDir !== undefined) env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${profileDir}`;
  const node = await startTestMediaNode("media-node", SECRET, { env, echo: false });
  return { url: node.url, pid: node.child.process.pid ?? 0, stop: () => node.stop() };
}

async function ours(url: string, nodePid: number, level: number, forwarding: boolean): Promise<LevelResult> {
  const client = signedHttpClient(url, SECRET);
  const { call } = client;
  const room = `bench-${level}`;
  const receivers = await Receivers.open(Math.ceil(level / CONSUMERS_PER_SOCKET));
  const { rtpCapabilities } = await call<EnsureRoomResponse>("PUT", p.room(room));
  // comedia: the producer's transport learns the sender's address from its first packet.
  const send = await call<CreatePlainTransportResponse>("POST", p.plainTransports(room, "source"), {
    direction: "send",
    comedia: true,
  });
  const producer = await call<ProduceResponse>("POST", p.produce(room, "source", send.id), {
    kind: "video",
    rtpParameters: VP8_PARAMETERS,
  });
  const pid = (await call<LoadResponse>("GET", p.load)).workers[0]?.pid ?? 0;
  const durations: number[] = [];
  const nodeCpu0 = cpuNs(nodePid);
  const workerCpu0 = cpuNs(pid);
  const t0 = performance.now();
  await pool(level, CONCURRENCY, async (i) => {
    const start = performance.now();
    const peer = `c${i}`;
    const t = await call<CreatePlainTransportResponse>("POST", p.plainTransports(room, peer), { direction: "recv" });
    await call("POST", p.connect(room, peer, t.id), { ip: "127.0.0.1", port: receivers.port(i) });
    const c = await call<ConsumeResponse>("POST", p.consume(room, peer, t.id), {
      producerId: producer.id,
      rtpCapabilities,
    });
    await call("POST", p.consumerResume(room, peer, c.id));
    durations.push(performance.now() - start);
  });
  const setupSeconds = (performance.now() - t0) / 1000;
  const setupNodeCpuMs = (cpuNs(nodePid) - nodeCpu0) / 1e6 / level;
  const setupWorkerCpuMs = (cpuNs(pid) - workerCpu0) / 1e6 / level;
  const fwd = forwarding ? await forward(pid, send.port, level, receivers) : NO_FORWARDING;
  await call("DELETE", p.room(room));
  client.close();
  receivers.close();
  return {
    setupPerSecond: level / setupSeconds,
    setupMedianMs: median(durations),
    setupP99Ms: quantile(durations, 0.99),
    setupNodeCpuMs,
    setupWorkerCpuMs,
    ...fwd,
  };
}

// ---- baseline: mediasoup in-process, no HTTP ------------------------------

async function inProcess(worker: types.Worker, level: number, forwarding: boolean): Promise<LevelResult> {
  const receivers = await Receivers.open(Math.ceil(level / CONSUMERS_PER_SOCKET));
  const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
  const listenInfo = { protocol: "udp", ip: "127.0.0.1" } as const;
  const send = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: true });
  const producer = await send.produce({ kind: "video", rtpParameters: VP8_PARAMETERS as types.RtpParameters });
  const durations: number[] = [];
  const nodeCpu0 = process.cpuUsage();
  const workerCpu0 = cpuNs(worker.pid);
  const t0 = performance.now();
  await pool(level, CONCURRENCY, async (i) => {
    const start = performance.now();
    const t = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: false });
    await t.connect({ ip: "127.0.0.1", port: receivers.port(i) });
    const c = await t.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities, paused: true });
    await c.resume();
    durations.push(performance.now() - start);
  });
  const setupSeconds = (performance.now() - t0) / 1000;
  const nodeCpu = process.cpuUsage(nodeCpu0);
  const setupNodeCpuMs = (nodeCpu.user + nodeCpu.system) / 1000 / level;
  const setupWorkerCpuMs = (cpuNs(worker.pid) - workerCpu0) / 1e6 / level;
  const fwd = forwarding ? await forward(worker.pid, send.tuple.localPort, level, receivers) : NO_FORWARDING;
  router.close();
  receivers.close();
  return {
    setupPerSecond: level / setupSeconds,
    setupMedianMs: median(durations),
    setupP99Ms: quantile(durations, 0.99),
    setupNodeCpuMs,
    setupWorkerCpuMs,
    ...fwd,
  };
}

// ---- setup as the edge does it for a joiner: batches -----------------------

type SetupResult = {
  setupPerSecond: number;
  /** Per joiner: all of its consumers set up and resumed. */
  setupMedianMs: number;
  setupP99Ms: number;
  setupNodeCpuMs: number;
  setupWorkerCpuMs: number;
};

/** `count` VP8 producers, each with its own SSRC (the joiners consume them all). */
const producerParameters = (count: number) =>
  Array.from({ length: count }, (_, k) => ({
    codecs: VP8_PARAMETERS.codecs,
    encodings: [{ ssrc: PRODUCER_SSRC + 1 + k }],
  }));

/** `level` consumers as level / BATCH joiners, each consuming the BATCH producers of the room. */
async function oursBatched(url: string, nodePid: number, level: number): Promise<SetupResult> {
  const client = signedHttpClient(url, SECRET);
  const { call } = client;
  const room = `bench-batch-${level}`;
  const joiners = Math.ceil(level / BATCH);
  const receivers = await Receivers.open(Math.ceil(joiners / CONSUMERS_PER_SOCKET));
  const { rtpCapabilities } = await call<EnsureRoomResponse>("PUT", p.room(room));
  const send = await call<CreatePlainTransportResponse>("POST", p.plainTransports(room, "source"), {
    direction: "send",
    comedia: true,
  });
  const producerIds: string[] = [];
  for (const rtpParameters of producerParameters(BATCH)) {
    const produced = await call<ProduceResponse>("POST", p.produce(room, "source", send.id), {
      kind: "video",
      rtpParameters,
    });
    producerIds.push(produced.id);
  }
  const pid = (await call<LoadResponse>("GET", p.load)).workers[0]?.pid ?? 0;
  const durations: number[] = [];
  const nodeCpu0 = cpuNs(nodePid);
  const workerCpu0 = cpuNs(pid);
  const t0 = performance.now();
  await pool(joiners, CONCURRENCY, async (i) => {
    const start = performance.now();
    const peer = `j${i}`;
    const t = await call<CreatePlainTransportResponse>("POST", p.plainTransports(room, peer), { direction: "recv" });
    await call("POST", p.connect(room, peer, t.id), { ip: "127.0.0.1", port: receivers.port(i) });
    const many = await call<ConsumeManyResponse>("POST", p.consumeMany(room, peer, t.id), {
      producerIds,
      rtpCapabilities,
    });
    if (many.failed.length > 0) throw new Error(`consume-many: ${JSON.stringify(many.failed[0])}`);
    const consumerIds = many.consumers.map((c) => c.id);
    const resumed = await call<ResumeConsumersResponse>("POST", p.consumersResume(room, peer), { consumerIds });
    if (resumed.failed.length > 0) throw new Error(`resume-consumers: ${JSON.stringify(resumed.failed[0])}`);
    durations.push(performance.now() - start);
  });
  const setupSeconds = (performance.now() - t0) / 1000;
  const consumers = joiners * BATCH;
  const result: SetupResult = {
    setupPerSecond: consumers / setupSeconds,
    setupMedianMs: median(durations),
    setupP99Ms: quantile(durations, 0.99),
    setupNodeCpuMs: (cpuNs(nodePid) - nodeCpu0) / 1e6 / consumers,
    setupWorkerCpuMs: (cpuNs(pid) - workerCpu0) / 1e6 / consumers,
  };
  await call("DELETE", p.room(room));
  client.close();
  receivers.close();
  return result;
}

async function inProcessBatched(worker: types.Worker, level: number): Promise<SetupResult> {
  const joiners = Math.ceil(level / BATCH);
  const receivers = await Receivers.open(Math.ceil(joiners / CONSUMERS_PER_SOCKET));
  const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
  const listenInfo = { protocol: "udp", ip: "127.0.0.1" } as const;
  const send = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: true });
  const producerIds: string[] = [];
  for (const rtpParameters of producerParameters(BATCH)) {
    producerIds.push((await send.produce({ kind: "video", rtpParameters: rtpParameters as types.RtpParameters })).id);
  }
  const durations: number[] = [];
  const nodeCpu0 = process.cpuUsage();
  const workerCpu0 = cpuNs(worker.pid);
  const t0 = performance.now();
  await pool(joiners, CONCURRENCY, async (i) => {
    const start = performance.now();
    const t = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: false });
    await t.connect({ ip: "127.0.0.1", port: receivers.port(i) });
    const consumers = await Promise.all(
      producerIds.map((producerId) => t.consume({ producerId, rtpCapabilities: router.rtpCapabilities, paused: true })),
    );
    await Promise.all(consumers.map((c) => c.resume()));
    durations.push(performance.now() - start);
  });
  const setupSeconds = (performance.now() - t0) / 1000;
  const consumers = joiners * BATCH;
  const nodeCpu = process.cpuUsage(nodeCpu0);
  const result: SetupResult = {
    setupPerSecond: consumers / setupSeconds,
    setupMedianMs: median(durations),
    setupP99Ms: quantile(durations, 0.99),
    setupNodeCpuMs: (nodeCpu.user + nodeCpu.system) / 1000 / consumers,
    setupWorkerCpuMs: (cpuNs(worker.pid) - workerCpu0) / 1e6 / consumers,
  };
  router.close();
  receivers.close();
  return result;
}

// ---- run -------------------------------------------------------------------

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "-");
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** Field-wise median of repeated runs (the max CPU sample is the max). */
function combine<R extends Record<string, number>>(results: R[]): R {
  const out: Record<string, number> = {};
  for (const key of Object.keys(results[0] as R)) {
    const values = results.map((r) => r[key] as number);
    out[key] = key === "cpuMax" ? Math.max(...values) : median(values);
  }
  return out as R;
}

async function main(): Promise<void> {
  const node = await startNodeProcess();
  const worker = await mediasoup.createWorker({ logLevel: "warn", disableLiburing: true });
  const runs = new Map<number, { ours: LevelResult[]; base: LevelResult[] }>(
    LEVELS.map((level) => [level, { ours: [], base: [] }]),
  );
  const batchRuns = new Map<number, { ours: SetupResult[]; base: SetupResult[] }>(
    LEVELS.map((level) => [level, { ours: [], base: [] }]),
  );
  const forwarding = !args["setup-only"];
  try {
    // Warm-up, not counted: both sides' code compiled (the node's HTTP, auth and parsing paths,
    // mediasoup's in this process) before anything is measured.
    for (let w = 0; w < 2; w++) {
      await ours(node.url, node.pid, WARM_UP, false);
      await inProcess(worker, WARM_UP, false);
      if (BATCH > 0) {
        await oursBatched(node.url, node.pid, WARM_UP);
        await inProcessBatched(worker, WARM_UP);
      }
    }
    for (let r = 0; r < REPEATS; r++) {
      for (const level of LEVELS) {
        const slot = runs.get(level) as { ours: LevelResult[]; base: LevelResult[] };
        // Alternate which goes first, so drift in the machine's load falls on both sides.
        const order = r % 2 === 0 ? (["ours", "base"] as const) : (["base", "ours"] as const);
        for (const side of order) {
          slot[side].push(
            side === "ours"
              ? await ours(node.url, node.pid, level, forwarding)
              : await inProcess(worker, level, forwarding),
          );
          await sleep(500);
        }
        const batchSlot = batchRuns.get(level) as { ours: SetupResult[]; base: SetupResult[] };
        for (const side of BATCH > 0 ? order : []) {
          batchSlot[side].push(
            side === "ours" ? await oursBatched(node.url, node.pid, level) : await inProcessBatched(worker, level),
          );
          await sleep(500);
        }
        console.error(`run ${r + 1}/${REPEATS}, ${level} consumers done`);
      }
    }
  } finally {
    worker.close();
    await node.stop();
  }
  const rows = LEVELS.map((level) => {
    const slot = runs.get(level) as { ours: LevelResult[]; base: LevelResult[] };
    return { level, ours: combine(slot.ours), base: combine(slot.base) };
  });

  const pps = FPS * PACKETS_PER_FRAME;
  console.log(
    `\nmedia forwarding: 1 VP8 producer, ${pps} packets/s of ${12 + PAYLOAD_BYTES} B (~${Math.round((pps * (12 + PAYLOAD_BYTES) * 8) / 1000)} kbit/s), 1 worker, PlainTransports on loopback, ${SECONDS} s window, CPU sampled each second; medians of ${REPEATS} runs`,
  );
  console.log("ours = media node over its HTTP API (child process); base = the same through mediasoup in-process\n");
  const header = [
    "consumers",
    "worker CPU % ours/base",
    "CPU us per consumer-s ours/base",
    "ratio",
    "ns per fwd packet ours/base",
    "loss ours/base",
  ];
  const lines = rows.map(({ level, ours: o, base: b }) => {
    const perConsumer = (r: LevelResult) => (r.cpuMedian / 100 / level) * 1e6;
    const perPacket = (r: LevelResult) => (r.cpuMedian / 100 / (level * pps)) * 1e9;
    return [
      String(level),
      `${fmt(o.cpuMedian)} / ${fmt(b.cpuMedian)} (max ${fmt(o.cpuMax)} / ${fmt(b.cpuMax)})`,
      `${fmt(perConsumer(o))} / ${fmt(perConsumer(b))}`,
      fmt(o.cpuMedian / b.cpuMedian, 2),
      `${fmt(perPacket(o), 0)} / ${fmt(perPacket(b), 0)}`,
      `${pct(o.loss)} / ${pct(b.loss)}`,
    ];
  });
  if (!args["setup-only"]) printTable(header, lines);

  console.log(
    `\nsetup: plain transport + connect + consume (paused) + resume per consumer (4 signed HTTP calls for ours), ${CONCURRENCY} in flight;`,
  );
  console.log(
    "Node CPU = our media node process vs mediasoup's Node side in the bench process (client cost excluded)\n",
  );
  printSetup(rows, "latency per consumer");
  if (BATCH > 0) {
    console.log(
      `\nsetup as the edge does it for a joiner finding ${BATCH} producers: plain transport + connect + consume-many + resume-consumers (4 signed HTTP calls per joiner, ${BATCH} consumers); base: the same mediasoup calls in-process; ${CONCURRENCY} joiners in flight\n`,
    );
    printSetup(
      LEVELS.map((level) => {
        const slot = batchRuns.get(level) as { ours: SetupResult[]; base: SetupResult[] };
        return { level, ours: combine(slot.ours), base: combine(slot.base) };
      }),
      "latency per joiner",
    );
  }
}

function printSetup(rows: { level: number; ours: SetupResult; base: SetupResult }[], latencyLabel: string): void {
  printTable(
    [
      "consumers",
      "consumers/s ours/base",
      "ratio",
      `${latencyLabel} median ms ours/base`,
      "p99 ms ours/base",
      "Node CPU ms/consumer ours/base",
      "ratio",
      "worker CPU ms/consumer ours/base",
    ],
    rows.map(({ level, ours: o, base: b }) => [
      String(level),
      `${fmt(o.setupPerSecond, 0)} / ${fmt(b.setupPerSecond, 0)}`,
      fmt(o.setupPerSecond / b.setupPerSecond, 2),
      `${fmt(o.setupMedianMs, 2)} / ${fmt(b.setupMedianMs, 2)}`,
      `${fmt(o.setupP99Ms, 2)} / ${fmt(b.setupP99Ms, 2)}`,
      `${fmt(o.setupNodeCpuMs, 2)} / ${fmt(b.setupNodeCpuMs, 2)}`,
      fmt(o.setupNodeCpuMs / b.setupNodeCpuMs, 2),
      `${fmt(o.setupWorkerCpuMs, 2)} / ${fmt(b.setupWorkerCpuMs, 2)}`,
    ]),
  );
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows) console.log(line(r));
}

await main();
