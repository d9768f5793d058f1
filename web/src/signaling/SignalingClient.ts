import {
  CLIENT_RECONNECT_LIMIT_MS,
  CLOSE_KEEPALIVE_TIMEOUT,
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
import { finalCloseError } from "./refusal.ts";

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
  /** In the room's lobby: the edge holds our `join-room` until a moderator admits or denies it. */
  | { state: "waiting"; roomId: string }
  | { state: "connected" }
  /**
   * The connection dropped: attempt `attempt` starts in `retryInMs` (`retryNow()` starts it at
   * once). Until `giveUpAt` (epoch ms); then the client closes with the error `gave-up`.
   */
  | { state: "reconnecting"; attempt: number; retryInMs: number; reason: string; giveUpAt: number }
  | { state: "closed"; reason: string; error?: SignalingError };

export interface JoinParams {
  roomId: string;
  username: string;
  token?: string;
}

export interface SignalingOptions {
  /** How long a dropped connection is retried before the client gives up (default `CLIENT_RECONNECT_LIMIT_MS`). */
  reconnectLimitMs?: number;
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
  /** The reply's type; "any": whatever the room answers (moderation commands). */
  expect: ServerMessageType | "any";
  resolve: (message: ServerMessage) => void;
  reject: (error: SignalingError) => void;
  timer: ReturnType<typeof setTimeout>;
  /** `join-room` only: the lobby holds the request (`lobby-waiting`); its reply comes when a moderator decides. */
  onWaiting?: () => void;
  /** Batch requests: replies still to come; an `error` reply is one item's, for `itemError`. */
  remaining?: number;
  itemError?: (error: SignalingError) => void;
}

/**
 * A message that ends our membership for good: we were removed, the room was ended, or our
 * request to join was denied. The socket closes next; nothing may reconnect.
 */
function finalNotice(message: ServerMessage, username: string): SignalingError | undefined {
  switch (message.type) {
    case "participant-removed":
      return message.data.user === username
        ? new SignalingError("removed", message.data.reason ?? "a moderator removed you from the call")
        : undefined;
    case "room-ended":
      return new SignalingError("room-ended", message.data.reason);
    case "error":
      return message.data.code === "removed" || message.data.code === "join-denied"
        ? new SignalingError(message.data.code, message.data.message)
        : undefined;
    default:
      return undefined;
  }
}

/**
 * One participant's WebSocket to the edge: typed messages validated with the protocol's
 * schemas, request/response by `requestId`, keepalive pings, and automatic reconnect
 * (exponential backoff with jitter) that joins the room again. Every `joined` (the first
 * and each rejoin) is delivered once, as the `joined` event, when the status is `connected`;
 * the owner rebuilds its call state from it. Replies to requests go to their request only.
 * A room with a lobby holds the join (`waiting`) until a moderator decides. A moderator's
 * removal, denial or end of the call (their messages, or close codes 4010-4012) closes the
 * client for good with that error: it never reconnects after them.
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
  readonly #reconnectLimitMs: number;
  /** While reconnecting: when the client gives up (epoch ms), and the timer that does it. */
  #giveUpAt: number | null = null;
  #giveUpTimer: ReturnType<typeof setTimeout> | null = null;
  /** A connection attempt is under way (a second one must not start beside it). */
  #attemptRunning = false;
  /** While a join attempt runs: ends it with a final error (removed, denied, ended) that came as news. */
  #failJoin: ((error: SignalingError) => void) | null = null;
  #pingTimer: ReturnType<typeof setInterval> | null = null;
  #pongTimer: ReturnType<typeof setTimeout> | null = null;
  #onOnline = () => {
    if (this.#status.state === "reconnecting") this.#reconnectNow();
  };

  constructor(edgeUrl: string, params: JoinParams, options: SignalingOptions = {}) {
    super();
    this.edgeUrl = edgeUrl;
    this.params = params;
    this.#reconnectLimitMs = options.reconnectLimitMs ?? CLIENT_RECONNECT_LIMIT_MS;
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  /** How long a dropped connection is retried before the client gives up. */
  get reconnectLimitMs(): number {
    return this.#reconnectLimitMs;
  }

  /** While reconnecting: starts the next attempt now instead of after the backoff. */
  retryNow(): void {
    if (this.#status.state === "reconnecting") this.#reconnectNow();
  }

  /** Subscribes to one server message type; returns the unsubscribe function. */
  onMessage<T extends ServerMessageType>(type: T, handler: (data: ServerData<T>, message: ServerMessage) => void) {
    return this.#bus.on(type, handler as (...args: MessageEvents[T]) => void);
  }

  /**
   * Opens the socket and joins the room. Resolves once joined (after the `joined` event);
   * rejects with the edge's error (`username-taken`, `room-full`, `unauthorized`,
   * `join-denied`, ...) or a connection failure, after which this client is closed. In a room
   * with a lobby the status is `waiting` meanwhile, for as long as it takes (`leave` cancels).
   * Later disconnects reconnect and rejoin on their own.
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

  /**
   * Sends a moderation command and resolves with whatever the room answers (`room-updated`,
   * `participant-updated`, ...). The answer is news for this client as well (the room's state
   * changed), so it is also delivered to `onMessage` subscribers; an `error` rejects.
   */
  async command<T extends ClientMessageType>(type: T, data: ClientData<T>): Promise<ServerMessage> {
    const message = await this.#request(type, data, "any", REQUEST_TIMEOUT_MS, false);
    this.#bus.dispatch(message);
    return message;
  }

  /**
   * Sends a batch request (`consume-many`, `resume-consumers`) answered with `count` replies that
   * carry its `requestId`, each of type `expect` or an `error`; resolves with them in order, an
   * item's error as a SignalingError in its place. A batch refused as a whole for the rate
   * limit is retried like `request`; it rejects when the connection closes or the replies do not
   * all arrive in time.
   */
  async requestEach<T extends ClientMessageType, R extends ServerMessageType>(
    type: T,
    data: ClientData<T>,
    expect: R,
    count: number,
  ): Promise<(ServerData<R> | SignalingError)[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#requestEach(type, data, expect, count);
      } catch (error) {
        const limited = error instanceof SignalingError && error.code === "rate-limited";
        if (!limited || attempt >= RATE_LIMIT_RETRIES || this.#closed) throw error;
        await new Promise((resolve) => setTimeout(resolve, RATE_LIMIT_PAUSE_MS * 2 ** attempt));
      }
    }
  }

  #requestEach<T extends ClientMessageType, R extends ServerMessageType>(
    type: T,
    data: ClientData<T>,
    expect: R,
    count: number,
  ): Promise<(ServerData<R> | SignalingError)[]> {
    return new Promise((resolve, reject) => {
      const socket = this.#socket;
      if (socket === null || socket.readyState !== WebSocket.OPEN || this.#status.state !== "connected") {
        reject(new SignalingError("closed", `not connected (${type})`));
        return;
      }
      const requestId = `r${this.#nextRequestId++}`;
      const replies: (ServerData<R> | SignalingError)[] = [];
      const add = (reply: ServerData<R> | SignalingError) => {
        replies.push(reply);
        if (replies.length === count) resolve(replies);
      };
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new SignalingError("timeout", `no reply to ${type} within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(requestId, {
        expect,
        timer,
        remaining: count,
        resolve: (message) => add(message.data as ServerData<R>),
        itemError: (error) => {
          // The edge refuses a whole frame for the rate limit (one reply, never an item's).
          if (error.code === "rate-limited" && replies.length === 0) {
            this.#pending.delete(requestId);
            clearTimeout(timer);
            reject(error);
          } else add(error);
        },
        reject,
      });
      socket.send(encode({ type, data, requestId } as ClientMessage));
    });
  }

  /** Leaves the room (best effort; also stops waiting in its lobby) and closes for good: no reconnect. */
  leave(): void {
    if (this.#closed) return;
    const socket = this.#socket;
    if (socket !== null && socket.readyState === WebSocket.OPEN) {
      socket.send(encode({ type: "leave-room", data: { roomId: this.params.roomId, username: this.params.username } }));
    }
    this.close("left the room");
  }

  close(reason = "closed", error?: SignalingError): void {
    if (this.#closed) return;
    this.#closed = true;
    window.removeEventListener("online", this.#onOnline);
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#stopGiveUp();
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

  #request<T extends ClientMessageType>(
    type: T,
    data: ClientData<T>,
    expect: "any",
    timeoutMs: number,
    duringJoin: boolean,
  ): Promise<ServerMessage>;
  #request<T extends ClientMessageType, R extends ServerMessageType>(
    type: T,
    data: ClientData<T>,
    expect: R,
    timeoutMs: number,
    duringJoin: boolean,
    onWaiting?: () => void,
  ): Promise<ServerData<R>>;
  #request<T extends ClientMessageType, R extends ServerMessageType>(
    type: T,
    data: ClientData<T>,
    expect: R | "any",
    timeoutMs: number,
    duringJoin: boolean,
    onWaiting?: () => void,
  ): Promise<ServerData<R> | ServerMessage> {
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
        resolve: (message) => resolve(expect === "any" ? message : (message.data as ServerData<R>)),
        reject,
        ...(onWaiting === undefined ? {} : { onWaiting }),
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
        if (this.#failJoin === fail) this.#failJoin = null;
        this.#stopKeepalive();
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
      this.#failJoin = fail;
      socket.onclose = (event) =>
        fail(
          finalCloseError(event.code) ??
            new SignalingError(
              "connection-failed",
              `connection closed (${event.code}${event.reason ? `: ${event.reason}` : ""})`,
            ),
        );
      // In the lobby: no timeout (a moderator may take a while), but pings keep the socket alive.
      const onWaiting = () => {
        clearTimeout(timer);
        this.#setStatus({ state: "waiting", roomId: this.params.roomId });
        this.#startKeepalive(socket, () => fail(new SignalingError("connection-failed", "no answer from the server")));
      };
      socket.onopen = () => {
        const { roomId, username, token } = this.params;
        const data: ClientData<"join-room"> = { roomId, username };
        if (token !== undefined) data.token = token;
        // A rejoin takes the name over from our previous socket if the edge still holds it.
        if (this.#resume !== undefined) data.resume = this.#resume;
        this.#request("join-room", data, "joined", timeoutMs, true, onWaiting).then(
          (joined) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            if (this.#failJoin === fail) this.#failJoin = null;
            socket.onerror = null;
            socket.onclose = (event) => {
              const final = finalCloseError(event.code);
              if (final !== undefined && this.#socket === socket) this.close(final.message, final);
              else this.#onUnexpectedClose(socket, `connection lost (${event.code})`);
            };
            this.#resume = joined.resume;
            this.#stopGiveUp();
            this.#attempt = 0;
            this.#takenRetries = 0;
            this.#setStatus({ state: "connected" });
            this.#startKeepalive(socket, () => this.#onUnexpectedClose(socket, "no answer from the server"));
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
      if (message.type === "lobby-waiting" && pending.onWaiting !== undefined) {
        clearTimeout(pending.timer);
        pending.onWaiting(); // the same request is answered again when a moderator decides
        return;
      }
      if (pending.remaining === undefined || --pending.remaining === 0) {
        this.#pending.delete(requestId);
        clearTimeout(pending.timer);
      }
      if (message.type === "error") {
        const error = new SignalingError(message.data.code, message.data.message, message.data.reason);
        (pending.itemError ?? pending.reject)(error);
      } else if (pending.expect !== "any" && message.type !== pending.expect) {
        pending.reject(new SignalingError("invalid-message", `expected ${pending.expect}, got ${message.type}`));
      } else pending.resolve(message);
      return; // a reply belongs to its request only
    }
    this.#bus.dispatch(message);
    const final = finalNotice(message, this.params.username);
    if (final === undefined || this.#closed) return;
    // Removed, denied or ended: the edge closes the socket next; stop here, never reconnect.
    if (this.#failJoin !== null) this.#failJoin(final);
    else this.close(final.message, final);
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
    if (this.#giveUpAt === null) {
      // The first failure of this outage starts the clock: after the limit, no more attempts.
      this.#giveUpAt = Date.now() + this.#reconnectLimitMs;
      this.#giveUpTimer = setTimeout(() => this.#giveUp(), this.#reconnectLimitMs);
    }
    const retryInMs = backoffDelay(this.#attempt, DEFAULT_BACKOFF);
    this.#attempt++;
    this.#setStatus({ state: "reconnecting", attempt: this.#attempt, retryInMs, reason, giveUpAt: this.#giveUpAt });
    this.#retryTimer = setTimeout(() => this.#reconnectNow(), retryInMs);
  }

  #reconnectNow(): void {
    if (this.#closed || this.#attemptRunning) return;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#attemptRunning = true;
    this.#openAndJoin(CONNECT_TIMEOUT_MS).then(
      () => {
        this.#attemptRunning = false;
      },
      (error: unknown) => {
        this.#attemptRunning = false;
        const failure = toSignalingError(error);
        // Our previous socket may still be registered for a moment after a network drop.
        const transient =
          isTransient(failure) ||
          (failure.code === "username-taken" && this.#everJoined && ++this.#takenRetries <= MAX_REJOIN_TAKEN);
        if (transient) this.#scheduleReconnect(failure.message);
        else this.close(failure.message, failure);
      },
    );
  }

  /** The outage lasted the whole limit: stop trying, closed with `gave-up` (the person may start over). */
  #giveUp(): void {
    this.#giveUpTimer = null;
    if (this.#closed || this.#status.state === "connected") return;
    const seconds = Math.round(this.#reconnectLimitMs / 1000);
    const error = new SignalingError("gave-up", `could not reconnect within ${seconds} s`);
    this.close(error.message, error);
  }

  #stopGiveUp(): void {
    if (this.#giveUpTimer !== null) clearTimeout(this.#giveUpTimer);
    this.#giveUpTimer = null;
    this.#giveUpAt = null;
  }

  /** Pings `socket`; `onDead` runs (after the socket is closed) when nothing answers. */
  #startKeepalive(socket: WebSocket, onDead: () => void): void {
    this.#stopKeepalive();
    this.#pingTimer = setInterval(() => {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(PING_FRAME);
      if (this.#pongTimer === null) {
        this.#pongTimer = setTimeout(() => {
          this.#pongTimer = null;
          socket.close(CLOSE_KEEPALIVE_TIMEOUT, "keepalive timeout");
          onDead();
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
