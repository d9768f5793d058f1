// Benchmark: SFU signaling through the edge (`wrangler dev`: Room DO -> registry DO -> signed HTTP to
// one local media node) against the same calls made straight to the media node's API, same run,
// same machine, interleaved one by one so both sides see the same background load.
//   node tests/bench/sfu-signaling.ts [--iterations 200] [--quick]
// Prints p50/p99/mean of
// - join: `join-room` sent -> `joined` (with `sfu`) received, in a fresh room each time (the edge
//   places the room and creates its router), against a signed `PUT /v1/rooms/:roomId` of a fresh room;
// - consume: `consume` sent -> `consumed` received (one more consumer of the same producer on the same
//   recv transport), against a signed `POST .../transports/:id/consume`;
// and the ratio edge/direct. Bounded in time; stops its children (wrangler dev + workerd, the media
// node and its mediasoup worker) on exit or failure.
import { randomBytes } from "node:crypto";
import {
  type ConsumeResponse,
  type CreateTransportResponse,
  type EnsureRoomResponse,
  type ProduceResponse,
  mediaPaths as p,
  type RtpCapabilities,
} from "@huddle/protocol";
import { WebSocket } from "ws";
import { apiClient, CLIENT_DTLS_PARAMETERS, opusRtpParameters } from "../media/helpers.ts";
import { startEdge } from "../support/edge.ts";
import { startTestMediaNode } from "../support/media-nodes.ts";
import { runBench, summary, withTimeout } from "./harness.ts";

const quick = process.argv.includes("--quick");
const iterationsArg = process.argv.indexOf("--iterations");
const ITERATIONS = iterationsArg > 0 ? Number(process.argv[iterationsArg + 1]) : quick ? 50 : 200;
const WARMUP = Math.max(5, Math.ceil(ITERATIONS / 10));
const STEP_TIMEOUT_MS = 30_000;
// Limits raised so the benchmark measures signaling, not the rate limiter or the room size.
const EDGE_VARS = { RATE_BURST: "1000000", RATE_PER_SECOND: "1000000", MAX_PARTICIPANTS: "1000" };

// ---- the edge side: one WebSocket client ----

interface Incoming {
  type: string;
  data: Record<string, unknown>;
  requestId?: string;
}

class Client {
  private readonly ws: WebSocket;
  private readonly pending = new Map<
    string,
    { resolve: (message: Incoming) => void; reject: (error: Error) => void }
  >();
  private next = 0;

  private closed: string | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("close", (code) => {
      this.closed = `the edge closed the socket (${code})`;
      for (const { reject } of this.pending.values()) reject(new Error(this.closed));
      this.pending.clear();
    });
    ws.on("message", (raw) => {
      const message = JSON.parse(String(raw)) as Incoming;
      const resolve = message.requestId === undefined ? undefined : this.pending.get(message.requestId)?.resolve;
      if (resolve === undefined) return;
      this.pending.delete(message.requestId as string);
      resolve(message);
    });
  }

  static async open(wsBase: string, roomId: string): Promise<Client> {
    const ws = new WebSocket(`${wsBase}/rooms/${roomId}/ws`, { perMessageDeflate: false });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve());
        ws.once("error", reject);
      }),
      `a socket to ${roomId}`,
      STEP_TIMEOUT_MS,
    );
    return new Client(ws);
  }

  /** Sends with a requestId; resolves with the reply and the time from send to reply (ms). */
  async request(type: string, data: unknown, expected: string, what = ""): Promise<{ reply: Incoming; ms: number }> {
    if (this.closed !== undefined) throw new Error(`${type}: ${this.closed}`);
    const requestId = `r${++this.next}`;
    const reply = new Promise<Incoming>((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
    });
    const t0 = performance.now();
    this.ws.send(JSON.stringify({ type, data, requestId }));
    const message = await withTimeout(reply, `${type} -> ${expected} ${what}`, STEP_TIMEOUT_MS);
    const ms = performance.now() - t0;
    if (message.type !== expected) throw new Error(`${type} got ${JSON.stringify(message).slice(0, 300)}`);
    return { reply: message, ms };
  }

  close(): void {
    this.ws.close();
  }
}

// ---- the direct side: signed HTTP to the node ----

/** Signed calls to the node's API, each timed from send to parsed answer. */
function nodeApi(base: string, secret: string) {
  const node = apiClient(base, secret);
  return async <T>(method: string, path: string, json?: unknown): Promise<{ body: T; ms: number }> => {
    const t0 = performance.now();
    const body = await node.ok<T>(method, path, json);
    return { body, ms: performance.now() - t0 };
  };
}

// ---- figures ----

const ms = (x: number) => `${x.toFixed(2)} ms`;
const pad = (s: string, n: number) => s.padEnd(n);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

function table(title: string, edge: number[], direct: number[], directLabel: string): void {
  const e = summary(edge);
  const d = summary(direct);
  console.log(`\n${title}`);
  console.log(`  ${pad("", 34)}${pad("p50", 12)}${pad("p99", 12)}mean`);
  console.log(`  ${pad("edge (wrangler dev, DO + node)", 34)}${pad(ms(e.p50), 12)}${pad(ms(e.p99), 12)}${ms(e.mean)}`);
  console.log(`  ${pad(directLabel, 34)}${pad(ms(d.p50), 12)}${pad(ms(d.p99), 12)}${ms(d.mean)}`);
  console.log(
    `  ${pad("ratio edge/direct", 34)}${pad(ratio(e.p50, d.p50), 12)}${pad(ratio(e.p99, d.p99), 12)}${ratio(e.mean, d.mean)}`,
  );
}

async function main(): Promise<void> {
  const secret = randomBytes(24).toString("hex");
  const nodeUrl = (await startTestMediaNode("media-node", secret, { echo: false })).url;
  const edge = await startEdge(
    "bench-sfu",
    { ...EDGE_VARS, MEDIA_NODES: nodeUrl, MEDIA_NODE_SECRET: secret },
    { privateAssets: true, echo: false },
  );
  const wsBase = edge.url.replace(/^http/, "ws");
  const api = nodeApi(nodeUrl, secret);
  console.log(
    `sfu-signaling: edge ${edge.url} (wrangler dev, X_LOCAL_OBSERVABILITY=false), media node ${nodeUrl} (1 worker, static MEDIA_NODES); node ${process.version}`,
  );
  const run = randomBytes(3).toString("hex");

  // join-room -> joined (with sfu) in a fresh room, against PUT of a fresh room on the node; interleaved.
  const joinEdge: number[] = [];
  const joinDirect: number[] = [];
  const members: Client[] = [];
  const directRooms: string[] = [];
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    const roomId = `bj-${run}-${i}`;
    const client = await Client.open(wsBase, roomId);
    members.push(client);
    const { reply, ms: edgeMs } = await client.request("join-room", { roomId, username: "alice" }, "joined", roomId);
    if (reply.data.sfu === undefined) throw new Error(`joined without sfu (is the media node reachable?)`);
    const directRoom = `bd-${run}-${i}`;
    const { body, ms: directMs } = await api<EnsureRoomResponse>("PUT", p.room(directRoom));
    if (!body.created) throw new Error(`${directRoom} existed already`);
    directRooms.push(directRoom);
    if (i >= WARMUP) {
      joinEdge.push(edgeMs);
      joinDirect.push(directMs);
    }
  }
  for (const client of members) client.close();
  for (const roomId of directRooms) await api("DELETE", p.room(roomId));

  // consume -> consumed: one producer, one receiver, a new consumer each time; interleaved.
  const roomId = `bc-${run}`;
  const alice = await Client.open(wsBase, roomId);
  const joined = (await alice.request("join-room", { roomId, username: "alice" }, "joined")).reply;
  const caps = (joined.data.sfu as { rtpCapabilities: RtpCapabilities } | undefined)?.rtpCapabilities;
  if (caps === undefined) throw new Error("joined without sfu");
  const bob = await Client.open(wsBase, roomId);
  await bob.request("join-room", { roomId, username: "bob" }, "joined");
  const send = (await alice.request("create-transport", { direction: "send" }, "webRtcTransportCreated")).reply;
  const sendId = String(send.data.id);
  await alice.request(
    "connect-transport",
    { transportId: sendId, dtlsParameters: CLIENT_DTLS_PARAMETERS },
    "transport-connected",
  );
  const produced = (
    await alice.request(
      "produce",
      { transportId: sendId, kind: "audio", rtpParameters: opusRtpParameters(1111), appData: { source: "microphone" } },
      "produced",
    )
  ).reply;
  const recv = (await bob.request("create-transport", { direction: "recv" }, "webRtcTransportCreated")).reply;
  const recvId = String(recv.data.id);

  const directRoom = `bcd-${run}`;
  await api("PUT", p.room(directRoom));
  const dSend = (await api<CreateTransportResponse>("POST", p.transports(directRoom, "alice"), { direction: "send" }))
    .body;
  const dProduced = (
    await api<ProduceResponse>("POST", p.produce(directRoom, "alice", dSend.id), {
      kind: "audio",
      rtpParameters: opusRtpParameters(2222),
    })
  ).body;
  const dRecv = (await api<CreateTransportResponse>("POST", p.transports(directRoom, "bob"), { direction: "recv" }))
    .body;

  const consumeEdge: number[] = [];
  const consumeDirect: number[] = [];
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    const edgeMs = (
      await bob.request(
        "consume",
        { transportId: recvId, producerId: String(produced.data.id), rtpCapabilities: caps },
        "consumed",
      )
    ).ms;
    const direct = await api<ConsumeResponse>("POST", p.consume(directRoom, "bob", dRecv.id), {
      producerId: dProduced.id,
      rtpCapabilities: caps,
    });
    if (i >= WARMUP) {
      consumeEdge.push(edgeMs);
      consumeDirect.push(direct.ms);
    }
  }
  alice.close();
  bob.close();
  await api("DELETE", p.room(directRoom));

  table(
    `join-room -> joined (with sfu), a fresh room each time, ${ITERATIONS} after ${WARMUP} warm-up`,
    joinEdge,
    joinDirect,
    "node direct (signed PUT room)",
  );
  table(
    `consume -> consumed, one more consumer of one producer each time, ${ITERATIONS} after ${WARMUP} warm-up`,
    consumeEdge,
    consumeDirect,
    "node direct (signed POST consume)",
  );
}

await runBench("sfu-signaling", main);
