// One thread of a join storm spread over several (tests/support/join-storm.ts, joinStormThreaded):
// it runs some of the storm's synthetic participants, each on the edge's WebSocket (wsUrl) or on
// signaling the main thread answers (an in-process baseline: PortSignaling below), and tells the
// main thread when each joined, failed or received everyone. Times cross threads as epoch ms
// (performance.timeOrigin + performance.now()), since each thread has its own time origin.
import { parentPort, workerData } from "node:worker_threads";
import type { ClientData, ClientMessageType, ServerData, ServerMessage, ServerMessageType } from "@huddle/protocol";
import { completedAt, describeIncomplete } from "./join-storm.ts";
import {
  EdgeSignaling,
  type ParticipantSignaling,
  type SyntheticOptions,
  SyntheticParticipant,
} from "./synthetic-participant.ts";

/** What the main thread gives a storm thread. */
export interface StormThreadData {
  names: string[];
  /** Everyone in the storm, across threads (who each participant must receive). */
  everyone: string[];
  roomId: string;
  options: SyntheticOptions;
  /** The edge's ws:// base; without it, signaling is answered by the main thread. */
  wsUrl?: string;
}

/** Main thread -> storm thread. */
export type ToThread =
  | { kind: "go"; startedAt: number }
  | { kind: "reply"; id: number; replies: ServerMessage[] }
  | { kind: "reject"; id: number; message: string }
  | { kind: "event"; name: string; type: ServerMessageType; data: unknown }
  | { kind: "describe" }
  | { kind: "close" };

/** Storm thread -> main thread. */
export type FromThread =
  | { kind: "ready" }
  | { kind: "joined"; name: string }
  | { kind: "join-failed"; name: string; error: string }
  | { kind: "complete"; name: string; ms: number; messages: number }
  | { kind: "request"; name: string; id: number; type: ClientMessageType; data: unknown; count: number }
  | { kind: "close-signaling"; name: string }
  | { kind: "described"; incomplete: string; ends: { code: number; at: number }[] }
  | { kind: "closed" };

const port = parentPort;
if (port === null) throw new Error("storm-thread.ts runs as a worker thread");
const data = workerData as StormThreadData;
const epoch = (t: number) => performance.timeOrigin + t;
const post = (message: FromThread) => port.postMessage(message);

/** A participant's signaling through the main thread (the in-process baseline's room lives there). */
class PortSignaling implements ParticipantSignaling {
  static #next = 0;
  static readonly pending = new Map<number, { resolve: (r: ServerMessage[]) => void; reject: (e: Error) => void }>();
  static readonly byName = new Map<string, PortSignaling>();
  sent = 0;
  readonly #name: string;
  readonly #listeners = new Map<string, ((data: never) => void)[]>();

  constructor(name: string) {
    this.#name = name;
    PortSignaling.byName.set(name, this);
  }

  on<T extends ServerMessageType>(type: T, listener: (data: ServerData<T>) => void): void {
    const list = this.#listeners.get(type) ?? [];
    list.push(listener as (data: never) => void);
    this.#listeners.set(type, list);
  }

  emit(type: string, data: unknown): void {
    for (const listener of this.#listeners.get(type) ?? []) (listener as (d: unknown) => void)(data);
  }

  requestEach<T extends ClientMessageType>(type: T, data: ClientData<T>, count: number): Promise<ServerMessage[]> {
    this.sent++;
    const id = ++PortSignaling.#next;
    return new Promise((resolve, reject) => {
      PortSignaling.pending.set(id, { resolve, reject });
      post({ kind: "request", name: this.#name, id, type, data, count });
    });
  }

  close(): void {
    post({ kind: "close-signaling", name: this.#name });
  }
}

const sockets: ParticipantSignaling[] = [];
const participants: SyntheticParticipant[] = [];
const complete = new Set<SyntheticParticipant>();
let watching: ReturnType<typeof setInterval> | undefined;

async function go(startedAt: number): Promise<void> {
  const started = startedAt - performance.timeOrigin;
  await Promise.all(
    data.names.map(async (name) => {
      try {
        const signaling =
          data.wsUrl === undefined ? new PortSignaling(name) : await EdgeSignaling.open(data.wsUrl, data.roomId);
        sockets.push(signaling);
        participants.push(await SyntheticParticipant.joinOver(signaling, data.roomId, name, data.options, started));
        post({ kind: "joined", name });
      } catch (error) {
        post({ kind: "join-failed", name, error: String(error) });
      }
    }),
  );
  // Polls the counters werift's receive callbacks keep, as joinStorm does in one thread.
  watching = setInterval(() => {
    for (const p of participants) {
      const last = complete.has(p) ? undefined : completedAt(p, data.everyone);
      if (last === undefined) continue;
      complete.add(p);
      post({ kind: "complete", name: p.username, ms: epoch(last) - startedAt, messages: p.messagesSent });
    }
  }, 50);
}

port.on("message", (message: ToThread) => {
  switch (message.kind) {
    case "go":
      void go(message.startedAt);
      return;
    case "reply":
      PortSignaling.pending.get(message.id)?.resolve(message.replies);
      PortSignaling.pending.delete(message.id);
      return;
    case "reject":
      PortSignaling.pending.get(message.id)?.reject(new Error(message.message));
      PortSignaling.pending.delete(message.id);
      return;
    case "event":
      PortSignaling.byName.get(message.name)?.emit(message.type, message.data);
      return;
    case "describe":
      post({
        kind: "described",
        incomplete: describeIncomplete(participants, complete, data.everyone),
        ends: sockets.flatMap((s) => (s.ended === undefined ? [] : [{ code: s.ended.code, at: epoch(s.ended.at) }])),
      });
      return;
    case "close":
      clearInterval(watching);
      for (const p of participants) p.close();
      post({ kind: "closed" });
      return;
  }
});
post({ kind: "ready" });
