import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { type ClientMessage, PING_FRAME, PONG_FRAME, parseServerMessage, type ServerMessage } from "@huddle/protocol";
import { expect } from "vitest";
import type { Room } from "../../edge/src/room/room.ts";

/** How long a test waits for an expected message before failing with the inbox in the error. */
const WAIT_MS = 10_000;

type Predicate = (message: ServerMessage) => boolean;

interface Waiter {
  condition: () => boolean;
  resolve: () => void;
}

let syncCounter = 0;
let roomCounter = 0;

/** A room id no other test uses (tests share one runtime). */
export function uniqueRoom(label: string): string {
  roomCounter++;
  return `${label}-${roomCounter}-${crypto.randomUUID().slice(0, 8)}`;
}

export const isType =
  <T extends ServerMessage["type"]>(type: T) =>
  (message: ServerMessage): message is Extract<ServerMessage, { type: T }> =>
    message.type === type;

export const isError =
  (code: string) =>
  (message: ServerMessage): message is Extract<ServerMessage, { type: "error" }> =>
    message.type === "error" && message.data.code === code;

/** Opens the HTTP upgrade; returns the Response (status 101 with a socket, or the refusal). */
export function upgrade(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(`https://edge.test${path}`, { headers: { Upgrade: "websocket", ...headers } });
}

/**
 * A real WebSocket client of the room. Every frame it receives is parsed with
 * the protocol's server schemas (a frame that does not parse fails the test),
 * and kept in `inbox` in arrival order.
 */
export class TestClient {
  readonly inbox: ServerMessage[] = [];
  /** Frames that are not valid server messages (should stay empty). */
  readonly malformed: string[] = [];
  /** Keepalive answers (not protocol messages: answered by the runtime). */
  pongs = 0;
  readonly roomId: string;
  username: string | undefined;
  closed = false;
  /** The close code the server sent, once closed. */
  closeCode: number | undefined;
  private readonly ws: WebSocket;
  private waiters: Waiter[] = [];
  private closeWaiters: Array<() => void> = [];

  private constructor(ws: WebSocket, roomId: string) {
    this.ws = ws;
    this.roomId = roomId;
    ws.accept();
    ws.addEventListener("message", (event) => {
      const frame = typeof event.data === "string" ? event.data : "<binary>";
      if (frame === PONG_FRAME) {
        this.pongs++;
        this.wake();
        return;
      }
      const parsed = parseServerMessage(frame);
      if (!parsed.ok) {
        this.malformed.push(frame);
        return;
      }
      this.inbox.push(parsed.message);
      this.wake();
    });
    ws.addEventListener("close", (event) => {
      this.closed = true;
      this.closeCode = event.code;
      for (const done of this.closeWaiters) done();
      this.closeWaiters = [];
    });
  }

  static async connect(roomId: string, headers: Record<string, string> = {}): Promise<TestClient> {
    const response = await upgrade(`/rooms/${roomId}/ws`, headers);
    if (response.status !== 101 || response.webSocket === null) {
      throw new Error(`upgrade refused: ${response.status} ${await response.text()}`);
    }
    return new TestClient(response.webSocket, roomId);
  }

  /** Connects and joins as `username`; resolves with the `joined` message. */
  static async join(
    roomId: string,
    username: string,
    token?: string,
  ): Promise<{ client: TestClient; joined: Extract<ServerMessage, { type: "joined" }> }> {
    const client = await TestClient.connect(roomId);
    const joined = await client.joinAs(username, token);
    return { client, joined };
  }

  async joinAs(username: string, token?: string): Promise<Extract<ServerMessage, { type: "joined" }>> {
    const before = this.count(isType("joined"));
    this.send({
      type: "join-room",
      data: { roomId: this.roomId, username, ...(token === undefined ? {} : { token }) },
    });
    const all = await this.waitFor(isType("joined"), before + 1);
    this.username = username;
    const joined = all[all.length - 1];
    if (joined === undefined) throw new Error("unreachable: waited for joined");
    return joined;
  }

  send(message: ClientMessage | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  sendRaw(frame: string | ArrayBuffer): void {
    this.ws.send(frame);
  }

  chat(text: string, requestId?: string): void {
    const message: ClientMessage = {
      type: "chat-message",
      data: { from: this.username ?? "?", text, timestamp: new Date().toISOString() },
    };
    if (requestId !== undefined) message.requestId = requestId;
    this.send(message);
  }

  /** The messages received so far that match. */
  received<T extends ServerMessage>(predicate: (m: ServerMessage) => m is T): T[];
  received(predicate: Predicate): ServerMessage[];
  received(predicate: Predicate): ServerMessage[] {
    return this.inbox.filter(predicate);
  }

  count(predicate: Predicate): number {
    return this.inbox.reduce((n, message) => (predicate(message) ? n + 1 : n), 0);
  }

  /** Resolves once `count` matching messages have arrived (all of them, in order). */
  waitFor<T extends ServerMessage>(predicate: (m: ServerMessage) => m is T, count?: number): Promise<T[]>;
  waitFor(predicate: Predicate, count?: number): Promise<ServerMessage[]>;
  async waitFor(predicate: Predicate, count = 1): Promise<ServerMessage[]> {
    await this.until(() => this.count(predicate) >= count, `${count} matching message(s)`);
    return this.received(predicate);
  }

  /** Sends the keepalive and waits for the runtime's answer. */
  async ping(): Promise<void> {
    const before = this.pongs;
    this.sendRaw(PING_FRAME);
    await this.until(() => this.pongs > before, "a pong");
  }

  /** Resolves when `condition` holds (checked on every frame); fails after WAIT_MS with the inbox. */
  until(condition: () => boolean, what: string): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { condition, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        if (!this.waiters.includes(waiter)) return;
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const got = this.inbox.map((m) => JSON.stringify(m)).join("\n  ");
        reject(new Error(`${this.username ?? "client"}: expected ${what}; inbox:\n  ${got}`));
      }, WAIT_MS);
    });
  }

  /**
   * Round trip through the room: sends a frame the room answers directly and
   * waits for that answer. Everything the room sent to this socket before it
   * handled the marker has then arrived. Costs one rate-limit token.
   */
  async sync(): Promise<void> {
    const requestId = `sync-${++syncCounter}`;
    this.send({ type: "sync-marker", data: {}, requestId });
    await this.waitFor((m) => m.type === "error" && m.requestId === requestId);
    const index = this.inbox.findIndex((m) => m.type === "error" && m.requestId === requestId);
    this.inbox.splice(index, 1);
  }

  /** Resolves with the close code once the server closed this socket; fails after WAIT_MS. */
  async closedByServer(): Promise<number | undefined> {
    if (!this.closed) {
      const done = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
      const timeout = scheduler.wait(WAIT_MS).then(() => {
        throw new Error(`socket not closed within ${WAIT_MS} ms; inbox: ${JSON.stringify(this.inbox)}`);
      });
      await Promise.race([done, timeout]);
    }
    return this.closeCode;
  }

  close(code = 1000): Promise<void> {
    if (this.closed) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    this.ws.close(code, "test done");
    return done;
  }

  private wake(): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.condition()) return true;
      waiter.resolve();
      return false;
    });
  }
}

/** Joins `names` one after another into `roomId`. */
export async function joinAll(roomId: string, names: readonly string[]): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  for (const name of names) clients.push((await TestClient.join(roomId, name)).client);
  return clients;
}

export async function closeAll(clients: readonly TestClient[]): Promise<void> {
  await Promise.all(clients.map((client) => client.close()));
}

/** The stub of a room's Durable Object (the Worker uses `idFromName(roomId)` too). */
export function roomStub(roomId: string): DurableObjectStub<Room> {
  return env.ROOM.get(env.ROOM.idFromName(roomId));
}

/**
 * Waits until the room holds `count` sockets: a socket that closed is gone
 * once the room has taken its close. Polls the object's own view; fails after
 * a bounded number of looks.
 */
export async function untilSockets(roomId: string, count: number): Promise<void> {
  const stub = roomStub(roomId);
  for (let attempt = 0; attempt < 500; attempt++) {
    const open = await runInDurableObject(stub, (_instance, state) => state.getWebSockets().length);
    if (open === count) return;
    await scheduler.wait(10);
  }
  throw new Error(`room ${roomId} never reached ${count} sockets`);
}

const MARK = Symbol.for("huddle.test.instance-mark");

/** Tags the running instance, evicts it (sockets hibernate), and proves the next instance is a new one. */
export async function evict(roomId: string): Promise<void> {
  const stub = roomStub(roomId);
  await runInDurableObject(stub, (instance: Room) => {
    (instance as unknown as Record<symbol, boolean>)[MARK] = true;
  });
  await evictDurableObject(stub, { webSockets: "hibernate" });
  const marked = await runInDurableObject(stub, (instance: Room) => MARK in instance);
  expect(marked).toBe(false); // a fresh instance: nothing survived in memory
}
