import {
  ClosePeerResponse,
  CloseProducerResponse,
  CloseRoomResponse,
  ConnectTransportResponse,
  ConsumeResponse,
  ConsumerStateResponse,
  CreateTransportResponse,
  EnsureRoomResponse,
  MediaErrorBody,
  type MediaErrorCode,
  mediaPaths,
  ProduceResponse,
  ProducerStateResponse,
  RoomState,
  signedFetch,
} from "@huddle/protocol";
import type { z } from "zod";

/**
 * Why a call to a media node failed:
 * - `unreachable`: no answer (connection refused, timeout, broken body);
 * - `answered`: the node answered with an error body (`code`, HTTP `status`).
 */
export class MediaCallError extends Error {
  override name = "MediaCallError";
  readonly kind: "unreachable" | "answered";
  readonly status: number;
  readonly code: MediaErrorCode | undefined;

  constructor(kind: "unreachable" | "answered", message: string, status = 0, code?: MediaErrorCode) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.code = code;
  }

  /** The node itself is gone or cannot serve rooms: the room must move. */
  get nodeLost(): boolean {
    return this.kind === "unreachable" || this.status === 502 || this.status === 503 || this.status === 504;
  }

  /** The node is fine but the room's router is gone (its worker died): a new router is needed. */
  get roomLost(): boolean {
    return this.code === "room-lost";
  }
}

/** `thrown` as a MediaCallError; anything else (a bug, not a node's answer) is rethrown. */
export function asMediaCallError(thrown: unknown): MediaCallError {
  if (thrown instanceof MediaCallError) return thrown;
  throw thrown;
}

/**
 * The edge's typed client of one media node's HTTP API (protocol/src/media-api.ts):
 * every request signed, every response validated, every failure a MediaCallError.
 */
export class MediaNodeClient {
  readonly url: string;
  readonly #secret: string;
  readonly #timeoutMs: number;

  constructor(url: string, secret: string, timeoutMs: number) {
    this.url = url;
    this.#secret = secret;
    this.#timeoutMs = timeoutMs;
  }

  ensureRoom(roomId: string) {
    return this.#call(EnsureRoomResponse, "PUT", mediaPaths.room(roomId));
  }

  roomState(roomId: string) {
    return this.#call(RoomState, "GET", mediaPaths.room(roomId));
  }

  closeRoom(roomId: string) {
    return this.#call(CloseRoomResponse, "DELETE", mediaPaths.room(roomId));
  }

  createTransport(roomId: string, peerId: string, direction: "send" | "recv") {
    return this.#call(CreateTransportResponse, "POST", mediaPaths.transports(roomId, peerId), { direction });
  }

  connectTransport(roomId: string, peerId: string, transportId: string, dtlsParameters: unknown) {
    return this.#call(ConnectTransportResponse, "POST", mediaPaths.connect(roomId, peerId, transportId), {
      dtlsParameters,
    });
  }

  produce(roomId: string, peerId: string, transportId: string, body: object) {
    return this.#call(ProduceResponse, "POST", mediaPaths.produce(roomId, peerId, transportId), body);
  }

  consume(roomId: string, peerId: string, transportId: string, producerId: string, rtpCapabilities: unknown) {
    return this.#call(ConsumeResponse, "POST", mediaPaths.consume(roomId, peerId, transportId), {
      producerId,
      rtpCapabilities,
    });
  }

  resumeConsumer(roomId: string, peerId: string, consumerId: string) {
    return this.#call(ConsumerStateResponse, "POST", mediaPaths.consumerResume(roomId, peerId, consumerId));
  }

  pauseProducer(roomId: string, peerId: string, producerId: string) {
    return this.#call(ProducerStateResponse, "POST", mediaPaths.producerPause(roomId, peerId, producerId));
  }

  resumeProducer(roomId: string, peerId: string, producerId: string) {
    return this.#call(ProducerStateResponse, "POST", mediaPaths.producerResume(roomId, peerId, producerId));
  }

  closeProducer(roomId: string, peerId: string, producerId: string) {
    return this.#call(CloseProducerResponse, "DELETE", mediaPaths.producer(roomId, peerId, producerId));
  }

  closePeer(roomId: string, peerId: string) {
    return this.#call(ClosePeerResponse, "DELETE", mediaPaths.peer(roomId, peerId));
  }

  async #call<S extends z.ZodType>(schema: S, method: string, path: string, json?: object): Promise<z.infer<S>> {
    const target = `${this.url}${path}`;
    let response: Response;
    let body: unknown;
    try {
      response = await signedFetch(this.#secret, target, {
        method,
        ...(json === undefined ? {} : { json }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      body = await response.json().catch(() => undefined);
    } catch (error) {
      throw new MediaCallError("unreachable", `${method} ${target}: ${(error as Error).message ?? String(error)}`);
    }
    if (!response.ok) {
      const parsed = MediaErrorBody.safeParse(body);
      const code = parsed.success ? parsed.data.error.code : undefined;
      const text = parsed.success ? parsed.data.error.message : `HTTP ${response.status}`;
      throw new MediaCallError("answered", `${method} ${path}: ${text}`, response.status, code);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      // A node that answers 2xx with something else is not a node we can use.
      throw new MediaCallError("answered", `${method} ${path}: unexpected response body`, 502, "internal");
    }
    return parsed.data;
  }
}
