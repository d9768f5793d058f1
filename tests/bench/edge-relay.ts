// Benchmark: the edge's Room Durable Object under `wrangler dev` against a
// minimal raw `ws` relay in Node (tests/bench/raw-ws-relay.ts), same client
// code, same run, same machine; and, as a second baseline, a minimal Durable
// Object that only relays (tests/bench/minimal-room/), in the same runtime, to
// show how much of the gap is workerd itself.
//   node tests/bench/edge-relay.ts [--rounds 2000] [--quick]
// Prints the relay round trip (A webrtc-offer -> B, B webrtc-answer -> A)
// p50/p99 and chat fan-out deliveries per second at 10, 50 and 200 clients in
// one room, for every server, with the ratios. Bounded in time; stops its
// children (wrangler dev + workerd, the raw relay) on exit or failure.
import { fileURLToPath } from "node:url";
import { WebSocket } from "ws";
import { startEdge } from "../support/edge.ts";
import { startChild } from "../support/processes.ts";
import { directWorkerUrl } from "./edge-direct.ts";
import { runBench, summary, withTimeout } from "./harness.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const quick = process.argv.includes("--quick");
const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : quick ? 300 : 2000;
const WARMUP = Math.ceil(ROUNDS / 10);
const FAN_OUT_CLIENTS = [10, 50, 200];
/** Deliveries per fan-out measurement (clients x messages). */
const FAN_OUT_DELIVERIES = quick ? 5_000 : 40_000;
const STEP_TIMEOUT_MS = 120_000;
/** Fan-out runs per server and size (the figure is noisy on a shared machine): the median is printed. */
const FAN_OUT_REPEATS = quick ? 1 : 3;

// Limits raised so the benchmark measures the relay, not the rate limiter or the room size.
const EDGE_VARS = { RATE_BURST: "1000000", RATE_PER_SECOND: "1000000", MAX_PARTICIPANTS: "1000" };

async function startRaw(): Promise<{ url: string }> {
  // It binds port 0 and prints `ready <port>`: no port is chosen for it that someone else could take.
  let ready: (port: number) => void = () => {};
  const listening = new Promise<number>((resolve) => {
    ready = resolve;
  });
  const child = startChild("raw-ws-relay", process.execPath, [`${root}tests/bench/raw-ws-relay.ts`, "0"], {
    onLine: (line) => {
      const port = /^ready (\d+)$/.exec(line)?.[1];
      if (port !== undefined) ready(Number(port));
    },
  });
  const port = await withTimeout(
    Promise.race([
      listening,
      child.exited.then((code) => {
        throw new Error(`raw relay exited (${code}):\n${child.tail()}`);
      }),
    ]),
    "raw relay to listen",
    STEP_TIMEOUT_MS,
  );
  return { url: `ws://127.0.0.1:${port}` };
}

// ---- the one client used against both servers ----

interface Incoming {
  type: string;
  data: Record<string, unknown>;
  requestId?: string;
}

class Client {
  private readonly ws: WebSocket;
  onMessage: (message: Incoming) => void = () => {};

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (raw) => this.onMessage(JSON.parse(String(raw)) as Incoming));
  }

  static async join(base: string, roomId: string, username: string): Promise<Client> {
    const ws = new WebSocket(`${base}/rooms/${roomId}/ws`, { perMessageDeflate: false });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve());
        ws.once("error", reject);
      }),
      `${username} to connect`,
      STEP_TIMEOUT_MS,
    );
    const client = new Client(ws);
    const joined = new Promise<void>((resolve, reject) => {
      client.onMessage = (message) => {
        if (message.type === "joined") resolve();
        else if (message.type === "error") reject(new Error(`join refused: ${JSON.stringify(message.data)}`));
      };
    });
    client.send({ type: "join-room", data: { roomId, username } });
    await withTimeout(joined, `${username} to join`, STEP_TIMEOUT_MS);
    client.onMessage = () => {};
    return client;
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  close(): void {
    this.ws.close();
  }
}

const SDP = `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n${"a=x-filler:0123456789\r\n".repeat(40)}`;

async function roundTrips(base: string, label: string): Promise<number[]> {
  const roomId = `rtt-${label}-${Date.now()}`;
  const alice = await Client.join(base, roomId, "alice");
  const bob = await Client.join(base, roomId, "bob");
  bob.onMessage = (message) => {
    if (message.type === "webrtc-offer") {
      bob.send({ type: "webrtc-answer", data: { target: "alice", payload: { type: "answer", sdp: SDP } } });
    }
  };
  let answered: () => void = () => {};
  alice.onMessage = (message) => {
    if (message.type === "webrtc-answer") answered();
    else if (message.type === "error") throw new Error(`relay refused: ${JSON.stringify(message.data)}`);
  };
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    const done = new Promise<void>((resolve) => {
      answered = resolve;
    });
    const t0 = performance.now();
    alice.send({ type: "webrtc-offer", data: { target: "bob", payload: { type: "offer", sdp: SDP } } });
    await withTimeout(done, `round trip ${i} (${label})`, 10_000);
    if (i >= WARMUP) samples.push(performance.now() - t0);
  }
  alice.close();
  bob.close();
  return samples;
}

async function fanOut(base: string, label: string, clients: number): Promise<number> {
  const roomId = `fan-${label}-${clients}-${Date.now()}`;
  const members: Client[] = [];
  for (let i = 0; i < clients; i++) members.push(await Client.join(base, roomId, `user-${i}`));
  const messages = Math.max(1, Math.round(FAN_OUT_DELIVERIES / clients));
  let pending = clients;
  let allDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  for (const member of members) {
    let got = 0;
    member.onMessage = (message) => {
      if (message.type !== "chat-message") return;
      got++;
      if (got === messages && --pending === 0) allDone();
    };
  }
  const sender = members[0] as Client;
  const t0 = performance.now();
  for (let i = 0; i < messages; i++) {
    sender.send({
      type: "chat-message",
      data: { from: "x", text: `message ${i}`, timestamp: new Date().toISOString() },
    });
  }
  await withTimeout(done, `fan-out to ${clients} (${label})`, STEP_TIMEOUT_MS);
  const seconds = (performance.now() - t0) / 1000;
  for (const member of members) member.close();
  return (clients * messages) / seconds;
}

const ms = (x: number) => `${x.toFixed(3)} ms`;
const rate = (x: number) => `${Math.round(x).toLocaleString("en-US")}/s`;
const pad = (s: string, n: number) => s.padEnd(n);

const MINIMAL_ROOM_CONFIG = `${root}tests/bench/minimal-room/wrangler.toml`;

async function main(): Promise<void> {
  console.log(`edge-relay: starting wrangler dev (--var ${JSON.stringify(EDGE_VARS)}) and the minimal room`);
  const edgeHttp = await startEdge("bench-relay", EDGE_VARS, { privateAssets: true, echo: false });
  const minimalHttp = await startEdge(
    "bench-minimal-room",
    {},
    { privateAssets: true, echo: false, config: MINIMAL_ROOM_CONFIG },
  );
  const ws = (url: string) => url.replace(/^http/, "ws");
  const servers = [
    { label: "edge (wrangler dev)", slug: "edge", url: ws(edgeHttp.url) },
    { label: "edge, no dev proxy", slug: "direct", url: ws(await directWorkerUrl(edgeHttp)) },
    { label: "minimal DO, no proxy", slug: "minimal", url: ws(await directWorkerUrl(minimalHttp)) },
    { label: "raw ws relay (Node)", slug: "raw", url: (await startRaw()).url },
  ];
  /** Indexes into `servers`: ours without the dev proxy, and the two baselines. */
  const DIRECT = 1;
  const MINIMAL = 2;
  const RAW = 3;
  console.log(`edge-relay: ${servers.map((s) => `${s.label} ${s.url}`).join(", ")}; node ${process.version}`);
  console.log("  (wrangler dev's proxy is a second workerd that relays every frame; production has no such hop)");
  console.log("  (minimal DO: tests/bench/minimal-room, a Durable Object that only relays, in the same workerd build)");

  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  const rtts: ReturnType<typeof summary>[] = [];
  for (const server of servers) rtts.push(summary(await roundTrips(server.url, server.slug)));
  const p50 = (i: number) => (rtts[i] as ReturnType<typeof summary>).p50;
  console.log(
    `\nrelay round trip (alice webrtc-offer -> bob, bob webrtc-answer -> alice), ${ROUNDS} rounds after ${WARMUP} warm-up`,
  );
  console.log(
    `  ${pad("", 24)}${pad("p50", 12)}${pad("p99", 12)}${pad("mean", 12)}${pad("p50 / raw", 12)}p50 / minimal DO`,
  );
  for (const [i, server] of servers.entries()) {
    const rtt = rtts[i] as ReturnType<typeof summary>;
    console.log(
      `  ${pad(server.label, 24)}${pad(ms(rtt.p50), 12)}${pad(ms(rtt.p99), 12)}${pad(ms(rtt.mean), 12)}${pad(ratio(rtt.p50, p50(RAW)), 12)}${ratio(rtt.p50, p50(MINIMAL))}`,
    );
  }

  console.log(
    `\nchat fan-out, one sender, ~${FAN_OUT_DELIVERIES.toLocaleString("en-US")} deliveries per run (sender's own copy counts); median of ${FAN_OUT_REPEATS} runs, the servers taking turns`,
  );
  console.log(
    `  ${pad("clients", 9)}${servers.map((s) => pad(s.label, 22)).join("")}edge / raw (dev proxy; none)   edge, no proxy / minimal DO   minimal DO / raw`,
  );
  for (const clients of FAN_OUT_CLIENTS) {
    const rates: number[][] = servers.map(() => []);
    for (let r = 0; r < FAN_OUT_REPEATS; r++) {
      for (const [i, server] of servers.entries())
        (rates[i] as number[]).push(await fanOut(server.url, server.slug, clients));
    }
    const medians = rates.map((xs) => summary(xs).p50);
    const m = (i: number) => medians[i] as number;
    console.log(
      `  ${pad(String(clients), 9)}${medians.map((x) => pad(rate(x), 22)).join("")}${pad(`${ratio(m(0), m(RAW))} / ${ratio(m(DIRECT), m(RAW))}`, 31)}${pad(ratio(m(DIRECT), m(MINIMAL)), 30)}${ratio(m(MINIMAL), m(RAW))}`,
    );
  }
}

// Four servers, three sizes, three runs each: more than the harness's default 10 minutes on a busy machine.
await runBench("edge-relay", main, 25 * 60_000);
