import {
  type BatchCall,
  BatchResponse,
  type BatchResult,
  ClosePeerResponse,
  CloseProducerResponse,
  CloseRoomResponse,
  ConnectTransportResponse,
  ConsumeManyResponse,
  ConsumeResponse,
  ConsumerStateResponse,
  CreateTransportResponse,
  EnsureRoomResponse,
  MediaErrorBody,
  type MediaErrorCode,
  mediaPaths,
  ProduceResponse,
  ProducerStateResponse,
  RecordingListResponse,
  RecordingStateResponse,
  RestartIceResponse,
  ResumeConsumersResponse,
  RoomState,
  recordingPaths,
  type SetConsumerLayersRequest,
  SetConsumerLayersResponse,
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

  readonly #batcher: CallBatcher | undefined;

  /** `batcher`: where the room's peer calls go instead of a request each (undefined: a request each). */
  constructor(url: string, secret: string, timeoutMs: number, batcher?: CallBatcher) {
    this.url = url;
    this.#secret = secret;
    this.#timeoutMs = timeoutMs;
    this.#batcher = batcher;
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

  restartIce(roomId: string, peerId: string, transportId: string) {
    return this.#call(RestartIceResponse, "POST", mediaPaths.restartIce(roomId, peerId, transportId), {});
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

  consumeMany(roomId: string, peerId: string, transportId: string, producerIds: string[], rtpCapabilities: unknown) {
    return this.#call(ConsumeManyResponse, "POST", mediaPaths.consumeMany(roomId, peerId, transportId), {
      producerIds,
      rtpCapabilities,
    });
  }

  resumeConsumers(roomId: string, peerId: string, consumerIds: string[]) {
    return this.#call(ResumeConsumersResponse, "POST", mediaPaths.consumersResume(roomId, peerId), { consumerIds });
  }

  setConsumerLayers(roomId: string, peerId: string, consumers: SetConsumerLayersRequest["consumers"]) {
    return this.#call(SetConsumerLayersResponse, "POST", mediaPaths.consumersLayers(roomId, peerId), { consumers });
  }

  resumeConsumer(roomId: string, peerId: string, consumerId: string) {
    return this.#call(ConsumerStateResponse, "POST", mediaPaths.consumerResume(roomId, peerId, consumerId));
  }

  pauseConsumer(roomId: string, peerId: string, consumerId: string) {
    return this.#call(ConsumerStateResponse, "POST", mediaPaths.consumerPause(roomId, peerId, consumerId));
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

  startRecording(roomId: string) {
    return this.#call(RecordingStateResponse, "POST", recordingPaths.start(roomId), {});
  }

  stopRecording(roomId: string) {
    return this.#call(RecordingStateResponse, "POST", recordingPaths.stop(roomId), {});
  }

  listRecordings(roomId: string) {
    return this.#call(RecordingListResponse, "GET", recordingPaths.list(roomId));
  }

  closePeer(roomId: string, peerId: string) {
    return this.#call(ClosePeerResponse, "DELETE", mediaPaths.peer(roomId, peerId));
  }

  /** Several peer calls of `roomId` in one signed request (the node answers each as on its own). */
  async batch(roomId: string, calls: BatchCall[]): Promise<BatchResult[]> {
    const path = mediaPaths.batch(roomId);
    const { status, body } = await this.#send("POST", path, JSON.stringify({ calls }));
    const answer = this.#check(BatchResponse, "POST", path, status, body);
    if (answer.results.length !== calls.length) {
      throw new MediaCallError(
        "answered",
        `POST ${path}: ${answer.results.length} results for ${calls.length} calls`,
        502,
      );
    }
    return answer.results;
  }

  /** One call as a request of its own, whatever the batcher (its answer unchecked). */
  direct(call: BatchCall): Promise<BatchResult> {
    return this.#send(call.method, call.path, call.body);
  }

  async #call<S extends z.ZodType>(schema: S, method: string, path: string, json?: object): Promise<z.infer<S>> {
    const text = json === undefined ? undefined : JSON.stringify(json);
    // Peer calls go through the room's batcher when there is one (it gathers them while the node is busy).
    const answer =
      this.#batcher !== undefined && PEER_PATH.test(path)
        ? await this.#batcher.call({
            method: method as BatchCall["method"],
            path,
            ...(text === undefined ? {} : { body: text }),
          })
        : await this.#send(method, path, text);
    return this.#check(schema, method, path, answer.status, answer.body);
  }

  /** One signed request; throws `unreachable` when no usable answer came. */
  async #send(method: string, path: string, text: string | undefined): Promise<BatchResult> {
    const target = `${this.url}${path}`;
    try {
      const response = await signedFetch(this.#secret, target, {
        method,
        ...(text === undefined ? {} : { body: text, headers: { "content-type": "application/json" } }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      return { status: response.status, body: await response.json().catch(() => undefined) };
    } catch (error) {
      throw new MediaCallError("unreachable", `${method} ${target}: ${(error as Error).message ?? String(error)}`);
    }
  }

  /** The answer's body as `schema`, or the MediaCallError it stands for. */
  #check<S extends z.ZodType>(schema: S, method: string, path: string, status: number, body: unknown): z.infer<S> {
    if (status < 200 || status > 299) {
      const parsed = MediaErrorBody.safeParse(body);
      const code = parsed.success ? parsed.data.error.code : undefined;
      const text = parsed.success ? parsed.data.error.message : `HTTP ${status}`;
      throw new MediaCallError("answered", `${method} ${path}: ${text}`, status, code);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      // A node that answers 2xx with something else is not a node we can use.
      throw new MediaCallError("answered", `${method} ${path}: unexpected response body`, 502, "internal");
    }
    return parsed.data;
  }
}

/** The calls a batch may carry: a room's peer routes. */
const PEER_PATH = /^\/v1\/rooms\/[^/]+\/peers\//;

/** Sends single calls, possibly together with others (edge/src/room/sfu/node-call-batcher.ts). */
export interface CallBatcher {
  call(call: BatchCall): Promise<BatchResult>;
}
