// A join storm: N synthetic participants join one room at once, each sending audio and video,
// until every one receives both from every other. Used by the N=10 correctness test
// (tests/integration/join-storm.test.ts) and the benchmark (tests/bench/join-storm.ts).
import { mediaPaths, signedFetch } from "@huddle/protocol";
import { type ParticipantSignaling, type SyntheticOptions, SyntheticParticipant } from "./synthetic-participant.ts";

export interface StormResult {
  participants: SyntheticParticipant[];
  /** Per participant: ms from the storm's start until it received audio and video from every other. */
  complete: number[];
  /** Client messages sent per participant until then. */
  messages: number[];
}

/** Who `p` does not receive both audio and video from (yet). */
export function missing(p: SyntheticParticipant, everyone: readonly string[]): string[] {
  const from = p.receivingFrom();
  return everyone.filter((u) => u !== p.username && (from.get(u)?.size ?? 0) < 2);
}

/**
 * Starts `n` participants at once over `connect(username)` and resolves once each receives
 * audio and video from all the others; rejects after `timeoutMs` naming who misses whom.
 */
export async function joinStorm(
  n: number,
  roomId: string,
  connect: (username: string) => Promise<ParticipantSignaling>,
  options: SyntheticOptions & { timeoutMs?: number } = {},
): Promise<StormResult> {
  const names = Array.from({ length: n }, (_, i) => `p${String(i).padStart(2, "0")}`);
  const started = performance.now();
  const participants: SyntheticParticipant[] = [];
  const joins = names.map(async (name) => {
    const p = await SyntheticParticipant.joinOver(await connect(name), roomId, name, options, started);
    participants.push(p);
    return p;
  });
  const settled = await Promise.allSettled(joins);
  const failed = settled.flatMap((s) => (s.status === "rejected" ? [String(s.reason)] : []));
  if (failed.length > 0) {
    for (const p of participants) p.close();
    throw new Error(`${failed.length} of ${n} joins failed: ${failed.slice(0, 3).join("; ")}`);
  }
  const complete = new Map<SyntheticParticipant, number>();
  const messages = new Map<SyntheticParticipant, number>();
  const deadline = started + (options.timeoutMs ?? 60_000);
  // Polls the counters werift's receive callbacks keep: the storm is over when nobody misses anyone.
  while (complete.size < n) {
    for (const p of participants) {
      if (complete.has(p) || missing(p, names).length > 0) continue;
      const last = Math.max(...[...p.received.values()].map((r) => r.firstAt ?? Number.POSITIVE_INFINITY));
      complete.set(p, last - started);
      messages.set(p, p.messagesSent);
    }
    if (complete.size === n) break;
    if (performance.now() > deadline) {
      const incomplete = participants.filter((p) => !complete.has(p));
      const report = incomplete.slice(0, 5).map((p) => {
        const misses = missing(p, names);
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
      // And what went wrong for those the others miss (their own problems: a refused produce, ...).
      const missed = new Set(incomplete.flatMap((p) => missing(p, names)));
      const senders = participants
        .filter((p) => missed.has(p.username))
        .slice(0, 5)
        .map((p) => `${p.username}: ${p.problems.slice(0, 2).join(" ") || "no problem seen"}`);
      for (const p of participants) p.close();
      throw new Error(
        `storm of ${n}: ${n - complete.size} never received everyone: ${report.join(" | ")}; the missed: ${senders.join(" | ")}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    participants,
    complete: participants.map((p) => complete.get(p) as number),
    messages: participants.map((p) => messages.get(p) as number),
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
