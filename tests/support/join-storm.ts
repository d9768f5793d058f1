// A join storm: N synthetic participants join one room at once, each sending audio and video,
// until every one receives both from every other. Used by the N=10 correctness test
// (tests/integration/join-storm.test.ts) and the benchmark (tests/bench/join-storm.ts), which
// spreads the participants over threads (joinStormThreaded, ./storm-thread.ts): fifty werift
// stacks decrypting each other's SRTP keep one Node thread busy on their own.
import { Worker } from "node:worker_threads";
import { mediaPaths, signedFetch } from "@huddle/protocol";
import type { FromThread, StormThreadData, ToThread } from "./storm-thread.ts";
import { type ParticipantSignaling, type SyntheticOptions, SyntheticParticipant } from "./synthetic-participant.ts";

export interface StormResult {
  /** The participants, when they ran in this thread (joinStorm). */
  participants: SyntheticParticipant[];
  /** Per participant: ms from the storm's start until it received audio and video from every other. */
  complete: number[];
  /** Client messages sent per participant until then. */
  messages: number[];
  /** Every participant leaves. */
  close(): Promise<void>;
}

export type StormOptions = SyntheticOptions & { timeoutMs?: number };

const stormNames = (n: number) => Array.from({ length: n }, (_, i) => `p${String(i).padStart(2, "0")}`);

/** Who `p` does not receive both audio and video from (yet). */
export function missing(p: SyntheticParticipant, everyone: readonly string[]): string[] {
  const from = p.receivingFrom();
  return everyone.filter((u) => u !== p.username && (from.get(u)?.size ?? 0) < 2);
}

/** When `p` received the last of everyone's media (performance.now()), or undefined while it misses someone. */
export function completedAt(p: SyntheticParticipant, everyone: readonly string[]): number | undefined {
  if (missing(p, everyone).length > 0) return undefined;
  return Math.max(...[...p.received.values()].map((r) => r.firstAt ?? Number.POSITIVE_INFINITY));
}

/**
 * What the participants not in `complete` miss, and what went wrong for those they miss (their
 * own problems: a refused produce, ...): "" when none is incomplete.
 */
export function describeIncomplete(
  participants: readonly SyntheticParticipant[],
  complete: ReadonlySet<SyntheticParticipant>,
  everyone: readonly string[],
): string {
  const incomplete = participants.filter((p) => !complete.has(p));
  if (incomplete.length === 0) return "";
  const report = incomplete.slice(0, 5).map((p) => {
    const misses = missing(p, everyone);
    const detail = misses.slice(0, 3).map((u) => `${u} (${p.describeFrom(u)})`);
    const waiting = p.waitingFor();
    return [
      `${p.username} misses ${misses.length}: ${detail.join(", ")}`,
      waiting.length > 0 ? `waits for ${waiting.join(", ")}` : "",
      p.problems.slice(0, 2).join(" "),
    ]
      .filter((part) => part !== "")
      .join("; ");
  });
  const missed = new Set(incomplete.flatMap((p) => missing(p, everyone)));
  const senders = participants
    .filter((p) => missed.has(p.username))
    .slice(0, 5)
    .map((p) => `${p.username}: ${p.problems.slice(0, 2).join(" ") || "no problem seen"}`);
  return `${report.join(" | ")}; the missed: ${senders.join(" | ")}`;
}

/** Sockets that ended by themselves (`at` on the clock of `started`): how many, their codes, and when. */
function describeEnds(ended: readonly { code: number; at: number }[], sockets: number, started: number): string {
  if (ended.length === 0) return "";
  const codes = [...new Set(ended.map((e) => e.code))].join("/");
  const at = ended.map((e) => (e.at - started) / 1000).sort((a, b) => a - b);
  const span = `${at[0]?.toFixed(1)}-${at.at(-1)?.toFixed(1)} s`;
  return ` (${ended.length} of ${sockets} sockets ended by themselves, code ${codes}, ${span} into the storm)`;
}

/**
 * Starts `n` participants at once over `connect(username)` and resolves once each receives
 * audio and video from all the others; rejects after `timeoutMs` naming who misses whom.
 */
export async function joinStorm(
  n: number,
  roomId: string,
  connect: (username: string) => Promise<ParticipantSignaling>,
  options: StormOptions = {},
): Promise<StormResult> {
  const names = stormNames(n);
  const started = performance.now();
  const participants: SyntheticParticipant[] = [];
  const sockets: ParticipantSignaling[] = [];
  const ends = () =>
    describeEnds(
      sockets.flatMap((s) => (s.ended === undefined ? [] : [s.ended])),
      sockets.length,
      started,
    );
  const joins = names.map(async (name) => {
    const signaling = await connect(name);
    sockets.push(signaling);
    const p = await SyntheticParticipant.joinOver(signaling, roomId, name, options, started);
    participants.push(p);
    return p;
  });
  const settled = await Promise.allSettled(joins);
  const failed = settled.flatMap((s) => (s.status === "rejected" ? [String(s.reason)] : []));
  if (failed.length > 0) {
    for (const p of participants) p.close();
    throw new Error(`${failed.length} of ${n} joins failed: ${failed.slice(0, 3).join("; ")}${ends()}`);
  }
  const complete = new Map<SyntheticParticipant, number>();
  const messages = new Map<SyntheticParticipant, number>();
  const deadline = started + (options.timeoutMs ?? 60_000);
  // Polls the counters werift's receive callbacks keep: the storm is over when nobody misses anyone.
  while (complete.size < n) {
    for (const p of participants) {
      const last = complete.has(p) ? undefined : completedAt(p, names);
      if (last === undefined) continue;
      complete.set(p, last - started);
      messages.set(p, p.messagesSent);
    }
    if (complete.size === n) break;
    if (performance.now() > deadline) {
      const report = describeIncomplete(participants, new Set(complete.keys()), names);
      for (const p of participants) p.close();
      throw new Error(`storm of ${n}: ${n - complete.size} never received everyone${ends()}: ${report}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    participants,
    complete: participants.map((p) => complete.get(p) as number),
    messages: participants.map((p) => messages.get(p) as number),
    close: async () => {
      for (const p of participants) p.close();
    },
  };
}

/**
 * Where a threaded storm's participants signal: the edge's WebSocket (each thread opens its own),
 * or an in-process room answered in this thread (a participant's requests cross over to the
 * signaling `connect()` gives it).
 */
export type StormLink = { wsUrl: string } | { connect: () => ParticipantSignaling };

/**
 * joinStorm with the participants spread round-robin over `threads` worker threads, so that the
 * load they make themselves (ICE, DTLS, SRTP in JavaScript) is not what limits the storm. The
 * threads load first; the storm's clock starts once all are ready.
 */
export async function joinStormThreaded(
  n: number,
  roomId: string,
  threads: number,
  link: StormLink,
  options: StormOptions = {},
): Promise<StormResult> {
  const names = stormNames(n);
  const count = Math.max(1, Math.min(threads, n));
  const workers = Array.from({ length: count }, (_, t) => {
    const data: StormThreadData = {
      names: names.filter((_, i) => i % count === t),
      everyone: names,
      roomId,
      options,
      ...("wsUrl" in link ? { wsUrl: link.wsUrl } : {}),
    };
    return new Worker(new URL("./storm-thread.ts", import.meta.url), { workerData: data });
  });
  const send = (worker: Worker, message: ToThread) => worker.postMessage(message);
  const complete = new Map<string, { ms: number; messages: number }>();
  const failed: string[] = [];
  let joinsSettled = 0;
  const waiters = new Map<Worker, { kind: FromThread["kind"]; resolve: (message: FromThread) => void }[]>();
  /** The next message of `kind` from `worker`. */
  const next = <K extends FromThread["kind"]>(worker: Worker, kind: K) =>
    new Promise<Extract<FromThread, { kind: K }>>((resolve) => {
      const list = waiters.get(worker) ?? [];
      list.push({ kind, resolve: resolve as (message: FromThread) => void });
      waiters.set(worker, list);
    });
  const signalings = new Map<string, ParticipantSignaling>();
  const exited: string[] = [];
  for (const worker of workers) {
    worker.on("error", (error) => exited.push(`a storm thread failed: ${error.message}`));
    worker.on("message", (message: FromThread) => {
      const list = waiters.get(worker) ?? [];
      const waiting = list.findIndex((w) => w.kind === message.kind);
      if (waiting >= 0) list.splice(waiting, 1)[0]?.resolve(message);
      switch (message.kind) {
        case "joined":
          joinsSettled++;
          return;
        case "join-failed":
          joinsSettled++;
          failed.push(`${message.name}: ${message.error}`);
          return;
        case "complete":
          complete.set(message.name, { ms: message.ms, messages: message.messages });
          return;
        case "request": {
          if (!("connect" in link)) return;
          let signaling = signalings.get(message.name);
          if (signaling === undefined) {
            const opened = link.connect();
            signaling = opened;
            signalings.set(message.name, opened);
            // Only these reach a synthetic participant unasked.
            for (const type of ["new-producer", "producer-closed"] as const) {
              opened.on(type, (data) => send(worker, { kind: "event", name: message.name, type, data }));
            }
          }
          signaling.requestEach(message.type, message.data as never, message.count).then(
            (replies) => send(worker, { kind: "reply", id: message.id, replies }),
            (error: Error) => send(worker, { kind: "reject", id: message.id, message: error.message }),
          );
          return;
        }
        case "close-signaling":
          signalings.get(message.name)?.close();
          return;
      }
    });
  }
  const stop = async () => {
    await Promise.all(
      workers.map(async (worker) => {
        const closed = next(worker, "closed");
        send(worker, { kind: "close" });
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5000))]);
        await worker.terminate();
      }),
    );
  };
  await Promise.all(workers.map((worker) => next(worker, "ready")));
  const startedAt = performance.timeOrigin + performance.now();
  const started = performance.now();
  for (const worker of workers) send(worker, { kind: "go", startedAt });
  const deadline = started + (options.timeoutMs ?? 60_000);
  const describe = async () => {
    const described = await Promise.all(
      workers.map(async (worker) => {
        const reply = next(worker, "described");
        send(worker, { kind: "describe" });
        return reply;
      }),
    );
    const ends = described.flatMap((d) => d.ends.map((e) => ({ code: e.code, at: e.at - performance.timeOrigin })));
    return {
      incomplete: described
        .map((d) => d.incomplete)
        .filter((line) => line !== "")
        .join(" | "),
      ends: describeEnds(ends, n, started),
    };
  };
  try {
    while (complete.size < n) {
      if (exited.length > 0) throw new Error(exited.join("; "));
      if (joinsSettled === n && failed.length > 0) {
        const { ends } = await describe();
        throw new Error(`${failed.length} of ${n} joins failed: ${failed.slice(0, 3).join("; ")}${ends}`);
      }
      if (performance.now() > deadline) {
        const { incomplete, ends } = await describe();
        throw new Error(`storm of ${n}: ${n - complete.size} never received everyone${ends}: ${incomplete}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    participants: [],
    complete: names.map((name) => complete.get(name)?.ms as number),
    messages: names.map((name) => complete.get(name)?.messages as number),
    close: stop,
  };
}

/**
 * Requests a media node answered for members so far (its `/metrics`): peer routes and batches of
 * them. Placing, probing and releasing a room are the room's, not a join's, and are not counted.
 */
export async function nodeRequests(url: string, secret: string): Promise<number> {
  const text = await (await signedFetch(secret, new URL(mediaPaths.metrics, url))).text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("huddle_media_http_requests_total{") && (line.includes("/peers/") || line.includes("/batch"))) {
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}
