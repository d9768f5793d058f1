import {
  type ClientData,
  type ClientMessage,
  type ClientMessageType,
  encode,
  PING_FRAME,
  PONG_FRAME,
  parseServerMessage,
  type ServerData,
  type ServerMessage,
  type ServerMessageType,
} from "@huddle/protocol";
import { roomSocketUrl } from "../config.ts";
import { Emitter } from "../events.ts";
import { backoffDelay, DEFAULT_BACKOFF } from "./backoff.ts";
import { isTransient, SignalingError, toSignalingError } from "./errors.ts";

export { SignalingError };

/** A `PING_FRAME` this often; the edge answers it with `PONG_FRAME` without waking the room. */
const PING_INTERVAL_MS = 15_000;
/** No frame at all for this long after a ping: the socket is dead even if the browser has not noticed. */
const PONG_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 15_000;
/** A request refused as `rate-limited` is sent again after 250, 500, 1000, ... ms, this many times. */
const RATE_LIMIT_RETRIES = 5;
const RATE_LIMIT_PAUSE_MS = 250;
/** A join that cannot reach the edge fails after this long (the lobby then shows the error). */
const CONNECT_TIMEOUT_MS = 10_000;
/** Rejoin answered `username-taken` (our previous socket not yet gone): retry this many times. */
const MAX_REJOIN_TAKEN = 8;

export type ConnectionStatus =
  | { state: "connecting" }
  | { state: "connected" }
  | { state: "reconnecting"; attempt: number; retryInMs: number; reason: string }
  | { state: "closed"; reason: string; error?: SignalingError };

export interface JoinParams {
  roomId: string;
  username: string;
  token?: string;
}

type MessageEvents = { [T in ServerMessageType]: [ServerData<T>, ServerMessage] };

interface SignalingEvents extends Record<string, unknown[]> {
  status: [ConnectionStatus];
  /**
   * The room was joined: the first time and after every reconnect, once the status is
   * `connected`. The only delivery of `joined` (it is the reply to `join-room`, never a message).
   */
  joined: [ServerData<"joined">];
  /** A frame that failed validation (logged; never acted upon). */
  invalid: [string];
}

class MessageBus extends Emitter<MessageEvents> {
  dispatch(message: ServerMessage): void {
    this.emit(message.type, message.data as never, message);
  }
}

interface Pending {
  expect: ServerMessageType;
  resolve: (message: ServerMessage) => void;
  reject: (error: SignalingError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One participant's WebSocket to the edge: typed messages validated with the protocol's
 * schemas, request/response by `requestId`, keepalive pings, and automatic reconnect
 * (exponential backoff with jitter) that joins the room again. Every `joined` (the first
 * and each rejoin) is delivered once, as the `joined` event, when the status is `connected`;
 * the owner rebuilds its call state from it. Replies to requests go to their request only.
 */
export class SignalingClient extends Emitter<SignalingEvents> {
  readonly edgeUrl: string;
  readonly params: JoinParams;
  #bus = new MessageBus();
  #socket: WebSocket | null = null;
  #status: ConnectionStatus = { state: "connecting" };
  #pending = new Map<string, Pending>();
  #nextRequestId = 1;
  #attempt = 0;
  #takenRetries = 0;
  /** The `resume` secret of the last `joined`, sent with every rejoin. */
  #resume: string | undefined;
  #everJoined = false;
  #closed = false;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #pingTimer: ReturnType<typeof setInterval> | null = null;
  #pongTimer: ReturnType<typeof setTimeout> | null = null;
  #onOnline = () => {
    if (this.#status.state === "reconnecting") this.#reconnectNow();
  };

  constructor(edgeUrl: string, params: JoinParams) {
    super();
    this.edgeUrl = edgeUrl;
    this.params = params;
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  /** Subscribes to one server message type; returns the unsubscribe function. */
  onMessage<T extends ServerMessageType>(type: T, handler: (data: ServerData<T>, message: ServerMessage) => void) {
    return this.#bus.on(type, handler as (...args: MessageEvents[T]) => void);
  }

  /**
   * Opens the socket and joins the room. Resolves once joined (after the `joined` event);
   * rejects with the edge's error (`username-taken`, `room-full`, ...) or a connection
   * failure, after which this client is closed. Later disconnects reconnect and rejoin on
   * their own.
   */
  async join(): Promise<void> {
    window.addEventListener("online", this.#onOnline);
    this.#setStatus({ state: "connecting" });
    try {
      await this.#openAndJoin(CONNECT_TIMEOUT_MS);
      this.#everJoined = true;
    } catch (error) {
      const failure = toSignalingError(error);
      this.close(failure.message, failure);
      throw failure;
    }
  }

  /** Sends a message that expects no reply. Returns false when the socket is not open. */
  send<T extends ClientMessageType>(type: T, data: ClientData<T>): boolean {
    const socket = this.#socket;
    if (socket === null || socket.readyState !== WebSocket.OPEN || this.#status.state !== "connected") return false;
    socket.send(encode({ type, data } as ClientMessage));
    return true;
  }

  /**
   * Sends a message with a fresh `requestId` and resolves with the reply of type `expect`.
   * A `rate-limited` refusal is retried after a pause (a big SFU room's join sends many
   * requests at once); other errors reject.
   */
  async request<T extends ClientMessageType, R extends ServerMessageType>(
    type: T,
    data: ClientData<T>,
    expect: R,
  ): Promise<ServerData<R>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#request(type, data, expect, REQUEST_TIMEOUT_MS, false);
      } catch (error) {
        const limited = error instanceof SignalingError && error.code === "rate-limited";
        if (!limited || attempt >= RATE_LIMIT_RETRIES || this.#closed) throw error;
        await new Promise((resolve) => setTimeout(resolve, RATE_LIMIT_PAUSE_MS * 2 ** attempt));
      }
    }
  }

  /** Leaves the room (best effort) and closes for good: no reconnect. */
  leave(): void {
    if (this.#closed) return;
    this.send("leave-room", { roomId: this.params.roomId, username: this.params.username });
    this.close("left the room");
  }

  close(reason = "closed", error?: SignalingError): void {
    if (this.#closed) return;
    this.#closed = true;
    window.removeEventListener("online", this.#onOnline);
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#stopKeepalive();
    this.#rejectAll(new SignalingError("closed", reason));
    const socket = this.#socket;
    this.#socket = null;
    if (socket !== null) {
      detach(socket);
      socket.close(1000, reason.slice(0, 100));
    }
    this.#setStatus(error === undefined ? { state: "closed", reason } : { state: "closed", reason, error });
    this.removeAllListeners();
    this.#bus = new MessageBus();
  }

  #request<T extends ClientMessageType, R extends ServerMessageType>(
    type: T,
    data: ClientData<T>,
    expect: R,
    timeoutMs: number,
    duringJoin: boolean,
  ): Promise<ServerData<R>> {
    return new Promise((resolve, reject) => {
      const socket = this.#socket;
      const ready = duringJoin || this.#status.state === "connected";
      if (socket === null || socket.readyState !== WebSocket.OPEN || !ready) {
        reject(new SignalingError("closed", `not connected (${type})`));
        return;
      }
      const requestId = `r${this.#nextRequestId++}`;
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new SignalingError("timeout", `no reply to ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(requestId, {
        expect,
        timer,
        resolve: (message) => resolve(message.data as ServerData<R>),
        reject,
      });
      socket.send(encode({ type, data, requestId } as ClientMessage));
    });
  }

  /** One connection attempt: open, send `join-room`, wait for `joined`. */
  #openAndJoin(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const socket = new WebSocket(roomSocketUrl(this.edgeUrl, this.params.roomId));
      this.#socket = socket;
      const fail = (error: SignalingError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        detach(socket);
        if (this.#socket === socket) this.#socket = null;
        socket.close();
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new SignalingError("timeout", "the server did not answer in time")),
        timeoutMs,
      );
      socket.onmessage = (event) => this.#onFrame(event.data);
      socket.onerror = () => fail(new SignalingError("connection-failed", "could not connect to the server"));
      socket.onclose = (event) =>
        fail(
          new SignalingError(
            "connection-failed",
            `connection closed (${event.code}${event.reason ? `: ${event.reason}` : ""})`,
          ),
        );
      socket.onopen = () => {
        const { roomId, username, token } = this.params;
        const data: ClientData<"join-room"> = { roomId, username };
        if (token !== undefined) data.token = token;
        // A rejoin takes the name over from our previous socket if the edge still holds it.
        if (this.#resume !== undefined) data.resume = this.#resume;
        this.#request("join-room", data, "joined", timeoutMs, true).then(
          (joined) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            socket.onerror = null;
            socket.onclose = (event) => this.#onUnexpectedClose(socket, `connection lost (${event.code})`);
            this.#resume = joined.resume;
            this.#attempt = 0;
            this.#takenRetries = 0;
            this.#setStatus({ state: "connected" });
            this.#startKeepalive(socket);
            this.emit("joined", joined);
            resolve();
          },
          (error: unknown) => fail(toSignalingError(error)),
        );
      };
    });
  }

  #onFrame(raw: unknown): void {
    if (this.#pongTimer !== null) {
      clearTimeout(this.#pongTimer);
      this.#pongTimer = null;
    }
    if (raw === PONG_FRAME) return;
    const text = typeof raw === "string" ? raw : "";
    const parsed = parseServerMessage(text);
    if (!parsed.ok) {
      console.warn("huddle: dropping invalid frame from the edge:", parsed.error.data.message);
      this.emit("invalid", parsed.error.data.message);
      return;
    }
    const message = parsed.message;
    const requestId = message.requestId;
    const pending = requestId === undefined ? undefined : this.#pending.get(requestId);
    if (requestId !== undefined && pending !== undefined) {
      this.#pending.delete(requestId);
      clearTimeout(pending.timer);
      if (message.type === "error") pending.reject(new SignalingError(message.data.code, message.data.message));
      else if (message.type !== pending.expect) {
        pending.reject(new SignalingError("invalid-message", `expected ${pending.expect}, got ${message.type}`));
      } else pending.resolve(message);
      return; // a reply belongs to its request only
    }
    this.#bus.dispatch(message);
  }

  #onUnexpectedClose(socket: WebSocket, reason: string): void {
    if (this.#closed || this.#socket !== socket) return;
    detach(socket);
    this.#socket = null;
    this.#stopKeepalive();
    this.#rejectAll(new SignalingError("closed", reason));
    this.#scheduleReconnect(reason);
  }

  #scheduleReconnect(reason: string): void {
    if (this.#closed) return;
    const retryInMs = backoffDelay(this.#attempt, DEFAULT_BACKOFF);
    this.#attempt++;
    this.#setStatus({ state: "reconnecting", attempt: this.#attempt, retryInMs, reason });
    this.#retryTimer = setTimeout(() => this.#reconnectNow(), retryInMs);
  }

  #reconnectNow(): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    if (this.#closed) return;
    this.#openAndJoin(CONNECT_TIMEOUT_MS).catch((error: unknown) => {
      const failure = toSignalingError(error);
      // Our previous socket may still be registered for a moment after a network drop.
      const transient =
        isTransient(failure) ||
        (failure.code === "username-taken" && this.#everJoined && ++this.#takenRetries <= MAX_REJOIN_TAKEN);
      if (transient) this.#scheduleReconnect(failure.message);
      else this.close(failure.message, failure);
    });
  }

  #startKeepalive(socket: WebSocket): void {
    this.#stopKeepalive();
    this.#pingTimer = setInterval(() => {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(PING_FRAME);
      if (this.#pongTimer === null) {
        this.#pongTimer = setTimeout(() => {
          this.#pongTimer = null;
          socket.close(4000, "keepalive timeout");
          this.#onUnexpectedClose(socket, "no answer from the server");
        }, PONG_TIMEOUT_MS);
      }
    }, PING_INTERVAL_MS);
  }

  #stopKeepalive(): void {
    if (this.#pingTimer !== null) clearInterval(this.#pingTimer);
    if (this.#pongTimer !== null) clearTimeout(this.#pongTimer);
    this.#pingTimer = null;
    this.#pongTimer = null;
  }

  #rejectAll(error: SignalingError): void {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
  }

  #setStatus(status: ConnectionStatus): void {
    this.#status = status;
    this.emit("status", status);
  }
}

function detach(socket: WebSocket): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onerror = null;
  socket.onclose = null;
}
