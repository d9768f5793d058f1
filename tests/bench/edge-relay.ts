// Benchmark: the edge's Room Durable Object under `wrangler dev` against a
// minimal raw `ws` relay in Node (tests/bench/raw-ws-relay.ts), same client
// code, same run, same machine.
//   node tests/bench/edge-relay.ts [--rounds 2000] [--quick]
// Prints the relay round trip (A webrtc-offer -> B, B webrtc-answer -> A)
// p50/p99 and chat fan-out deliveries per second at 10, 50 and 200 clients in
// one room, for both servers, with the ratios. Bounded in time; stops its
// children (wrangler dev + workerd, the raw relay) on exit or failure.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { WebSocket } from "ws";
import { wranglerEnv } from "../../scripts/lib/wrangler-env.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const quick = process.argv.includes("--quick");
const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : quick ? 300 : 2000;
const WARMUP = Math.ceil(ROUNDS / 10);
const FAN_OUT_CLIENTS = [10, 50, 200];
/** Deliveries per fan-out measurement (clients x messages). */
const FAN_OUT_DELIVERIES = quick ? 5_000 : 40_000;
const DEADLINE_MS = 10 * 60_000;
const STEP_TIMEOUT_MS = 120_000;

// Limits raised so the benchmark measures the relay, not the rate limiter or the room size.
const EDGE_VARS = ["RATE_BURST:1000000", "RATE_PER_SECOND:1000000", "MAX_PARTICIPANTS:1000"];

const children: ChildProcess[] = [];

function stopChildren(signal: NodeJS.Signals = "SIGTERM"): void {
  for (const child of children) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    try {
      process.kill(-child.pid, signal); // the child leads its own process group (workerd included)
    } catch {
      // already gone
    }
  }
}

process.on("exit", () => stopChildren("SIGKILL"));
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopChildren();
    process.exit(130);
  });
}
const deadline = setTimeout(() => {
  console.error(`edge-relay: gave up after ${DEADLINE_MS / 1000} s`);
  stopChildren();
  process.exit(1);
}, DEADLINE_MS);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function withTimeout<T>(promise: Promise<T>, what: string, ms = STEP_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv, log: string[]): ChildProcess {
  const child = spawn(command, args, { cwd: root, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  const keep = (chunk: Buffer) => {
    log.push(String(chunk));
    if (log.length > 200) log.shift();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return child;
}

async function startEdge(): Promise<{ url: string; log: string[] }> {
  const port = await freePort();
  const inspectorPort = await freePort();
  mkdirSync(`${root}web/dist`, { recursive: true }); // the Worker's static assets; no build needed here
  const log: string[] = [];
  const env = wranglerEnv(root);
  const args = [
    `${root}node_modules/wrangler/bin/wrangler.js`,
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
    "--persist-to",
    `${root}.wrangler/bench-state`,
    ...EDGE_VARS.flatMap((v) => ["--var", v]),
  ];
  const child = start(process.execPath, args, env, log);
  const base = `http://127.0.0.1:${port}`;
  await withTimeout(
    (async () => {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${log.join("")}`);
        try {
          const response = await fetch(`${base}/healthz`);
          if (response.ok) return;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })(),
    "wrangler dev to answer /healthz",
  );
  return { url: `ws://127.0.0.1:${port}`, log };
}

async function startRaw(): Promise<{ url: string }> {
  const port = await freePort();
  const log: string[] = [];
  const child = start(process.execPath, [`${root}tests/bench/raw-ws-relay.ts`, String(port)], process.env, log);
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        if (String(chunk).includes("ready")) resolve();
      });
      child.once("exit", () => reject(new Error(`raw relay exited:\n${log.join("")}`)));
    }),
    "raw relay to listen",
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
    );
    const client = new Client(ws);
    const joined = new Promise<void>((resolve, reject) => {
      client.onMessage = (message) => {
        if (message.type === "joined") resolve();
        else if (message.type === "error") reject(new Error(`join refused: ${JSON.stringify(message.data)}`));
      };
    });
    client.send({ type: "join-room", data: { roomId, username } });
    await withTimeout(joined, `${username} to join`);
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
  await withTimeout(done, `fan-out to ${clients} (${label})`);
  const seconds = (performance.now() - t0) / 1000;
  for (const member of members) member.close();
  return (clients * messages) / seconds;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))] ?? Number.NaN;
}

function summary(samples: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((s, x) => s + x, 0) / samples.length;
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), mean };
}

const ms = (x: number) => `${x.toFixed(3)} ms`;
const rate = (x: number) => `${Math.round(x).toLocaleString("en-US")}/s`;
const pad = (s: string, n: number) => s.padEnd(n);

async function main(): Promise<void> {
  console.log(`edge-relay: starting wrangler dev (X_LOCAL_OBSERVABILITY=false, --var ${EDGE_VARS.join(" ")})`);
  const edge = await startEdge();
  const raw = await startRaw();
  console.log(`edge-relay: edge ${edge.url}, raw ws relay ${raw.url}; node ${process.version}`);

  const edgeRtt = summary(await roundTrips(edge.url, "edge"));
  const rawRtt = summary(await roundTrips(raw.url, "raw"));
  console.log(
    `\nrelay round trip (alice webrtc-offer -> bob, bob webrtc-answer -> alice), ${ROUNDS} rounds after ${WARMUP} warm-up`,
  );
  console.log(`  ${pad("", 28)}${pad("p50", 14)}${pad("p99", 14)}mean`);
  console.log(
    `  ${pad("edge (wrangler dev, DO)", 28)}${pad(ms(edgeRtt.p50), 14)}${pad(ms(edgeRtt.p99), 14)}${ms(edgeRtt.mean)}`,
  );
  console.log(
    `  ${pad("raw ws relay (Node)", 28)}${pad(ms(rawRtt.p50), 14)}${pad(ms(rawRtt.p99), 14)}${ms(rawRtt.mean)}`,
  );
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  console.log(
    `  ${pad("ratio edge/raw", 28)}${pad(ratio(edgeRtt.p50, rawRtt.p50), 14)}${pad(ratio(edgeRtt.p99, rawRtt.p99), 14)}${ratio(edgeRtt.mean, rawRtt.mean)}`,
  );

  console.log(
    `\nchat fan-out, one sender, ~${FAN_OUT_DELIVERIES.toLocaleString("en-US")} deliveries per run (sender's own copy counts)`,
  );
  console.log(`  ${pad("clients", 10)}${pad("edge", 16)}${pad("raw ws relay", 16)}edge/raw`);
  for (const clients of FAN_OUT_CLIENTS) {
    const edgeRate = await fanOut(edge.url, "edge", clients);
    const rawRate = await fanOut(raw.url, "raw", clients);
    console.log(
      `  ${pad(String(clients), 10)}${pad(rate(edgeRate), 16)}${pad(rate(rawRate), 16)}${(edgeRate / rawRate).toFixed(2)}x`,
    );
  }
}

/** Stops the children and waits (bounded) until they have exited; the exit hook SIGKILLs any straggler. */
async function shutdown(): Promise<void> {
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  const exited = Promise.all(running.map((child) => new Promise((resolve) => child.once("exit", resolve))));
  stopChildren();
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
}

let code = 0;
try {
  await main();
} catch (error) {
  console.error("edge-relay: failed:", error);
  code = 1;
}
clearTimeout(deadline);
await shutdown();
process.exit(code);
