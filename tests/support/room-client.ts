// A participant as a plain WebSocket (Node 22's global WebSocket) speaking the wire protocol. Every
// frame from the edge goes through `parseServerMessage`; frames that do not parse are kept in
// `unparsable` (tests assert it stays empty).
import {
  type ClientData,
  type ClientMessageType,
  parseServerMessage,
  type ServerData,
  type ServerMessage,
  type ServerMessageType,
} from "@huddle/protocol";

export const REPLY_TIMEOUT_MS = 30_000;

type Waiter = {
  check: (message: ServerMessage) => boolean;
  resolve: (message: ServerMessage) => void;
  reject: (error: Error) => void;
};

export type Reply = ServerMessage;

export class RoomClient {
  readonly roomId: string;
  readonly username: string;
  /** Every parsed message, in arrival order. */
  readonly received: ServerMessage[] = [];
  /** Frames that did not parse as server messages (with the reason). */
  readonly unparsable: string[] = [];
  readonly #ws: WebSocket;
  readonly #waiters = new Set<Waiter>();
  #nextRequest = 0;
  #closed = false;

  private constructor(ws: WebSocket, roomId: string, username: string) {
    this.#ws = ws;
    this.roomId = roomId;
    this.username = username;
    ws.addEventListener("message", (event) => {
      const frame = typeof event.data === "string" ? event.data : "(binary frame)";
      const parsed = parseServerMessage(frame);
      if (!parsed.ok) {
        this.unparsable.push(`${parsed.error.data.message}: ${frame.slice(0, 300)}`);
        return;
      }
      this.received.push(parsed.message);
      for (const waiter of this.#waiters) {
        if (waiter.check(parsed.message)) {
          this.#waiters.delete(waiter);
          waiter.resolve(parsed.message);
        }
      }
    });
    ws.addEventListener("close", (event) => {
      this.#closed = true;
      // Nothing more can arrive: fail every wait now rather than at its timeout.
      for (const waiter of this.#waiters) waiter.reject(new Error(`${username}: the socket closed (${event.code})`));
      this.#waiters.clear();
    });
  }

  /** Opens `/rooms/:roomId/ws` on the edge (does not join). */
  static async open(wsUrl: string, roomId: string, username: string): Promise<RoomClient> {
    const ws = new WebSocket(`${wsUrl}/rooms/${roomId}/ws`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${username}: the socket did not open`)), REPLY_TIMEOUT_MS);
      ws.addEventListener("open", () => {
        clearTimeout(timer);
        resolve();
      });
      ws.addEventListener("error", () => {
        clearTimeout(timer);
        reject(new Error(`${username}: the socket failed to open`));
      });
    });
    return new RoomClient(ws, roomId, username);
  }

  /** Opens a socket and joins; throws unless the reply is `joined`. */
  static async join(
    wsUrl: string,
    roomId: string,
    username: string,
    token?: string,
  ): Promise<{
    client: RoomClient;
    joined: ServerData<"joined">;
  }> {
    const client = await RoomClient.open(wsUrl, roomId, username);
    const joined = await client.expect(
      "join-room",
      { roomId, username, ...(token === undefined ? {} : { token }) },
      "joined",
    );
    return { client, joined };
  }

  get closed(): boolean {
    return this.#closed;
  }

  send<T extends ClientMessageType>(type: T, data: ClientData<T>, requestId?: string): void {
    this.#ws.send(JSON.stringify(requestId === undefined ? { type, data } : { type, data, requestId }));
  }

  /** Sends with a fresh requestId and resolves with the first reply carrying it (an `error` included). */
  async request<T extends ClientMessageType>(type: T, data: ClientData<T>): Promise<Reply> {
    const requestId = `${this.username}-${++this.#nextRequest}`;
    const reply = this.#wait((m) => m.requestId === requestId, `the reply to ${type} (${requestId})`);
    this.send(type, data, requestId);
    return reply;
  }

  /** Sends and insists on a reply of type `reply` (the failure message shows what came instead). */
  async expect<T extends ClientMessageType, R extends ServerMessageType>(
    type: T,
    data: ClientData<T>,
    reply: R,
  ): Promise<ServerData<R>> {
    const answer = await this.request(type, data);
    if (answer.type !== reply) {
      throw new Error(`${this.username}: ${type} got ${JSON.stringify(answer)} instead of ${reply}`);
    }
    return answer.data as ServerData<R>;
  }

  /** Sends and insists on an `error` reply; returns its code. */
  async expectError<T extends ClientMessageType>(type: T, data: ClientData<T>): Promise<string> {
    const answer = await this.request(type, data);
    if (answer.type !== "error") {
      throw new Error(`${this.username}: ${type} got ${JSON.stringify(answer)} instead of an error`);
    }
    return answer.data.code;
  }

  /** The first message of `type` (already received or still to come) for which `match` holds. */
  async waitFor<T extends ServerMessageType>(
    type: T,
    match: (data: ServerData<T>) => boolean = () => true,
    timeoutMs = REPLY_TIMEOUT_MS,
  ): Promise<ServerData<T>> {
    const message = await this.#wait(
      (m) => m.type === type && match(m.data as ServerData<T>),
      `a ${type} message`,
      timeoutMs,
    );
    return message.data as ServerData<T>;
  }

  /** Every message of `type` received so far. */
  all<T extends ServerMessageType>(type: T): ServerData<T>[] {
    return this.received.filter((m) => m.type === type).map((m) => m.data as ServerData<T>);
  }

  /** Position of the first received message of `type` for which `match` holds (-1 when none). */
  indexOf<T extends ServerMessageType>(type: T, match: (data: ServerData<T>) => boolean = () => true): number {
    return this.received.findIndex((m) => m.type === type && match(m.data as ServerData<T>));
  }

  /**
   * Resolves once everything the edge sent this socket before now has arrived: a chat message to
   * the room comes back to its sender after them (one socket, in order).
   */
  async sync(): Promise<void> {
    const text = `sync ${this.username} ${++this.#nextRequest}`;
    await this.expect(
      "chat-message",
      { from: this.username, text, timestamp: new Date().toISOString() },
      "chat-message",
    );
  }

  close(): void {
    this.#ws.close();
  }

  #wait(
    check: (message: ServerMessage) => boolean,
    what: string,
    timeoutMs = REPLY_TIMEOUT_MS,
  ): Promise<ServerMessage> {
    const seen = this.received.find(check);
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.#closed) return Promise.reject(new Error(`${this.username}: the socket is closed; no ${what}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const recent = this.received.slice(-8).map((m) => JSON.stringify(m).slice(0, 200));
        reject(new Error(`${this.username}: timed out waiting for ${what}; last received:\n  ${recent.join("\n  ")}`));
      }, timeoutMs);
      const waiter: Waiter = {
        check,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#waiters.add(waiter);
    });
  }
}
